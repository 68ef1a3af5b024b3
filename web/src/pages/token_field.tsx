// The credential token input: write-only. It is a password field the browser is told not to
// fill or remember, and what was typed is forgotten once it has been sent; the API never
// returns a token, so there is nothing to display back.
import { Field } from "../components/field";

export function TokenField({ id, label, value, onInput, hint }: { id: string; label: string; value: string; onInput: (v: string) => void; hint: string }) {
  return <Field id={id} label={label} type="password" autoComplete="new-password" value={value} onInput={onInput} hint={hint} />;
}
