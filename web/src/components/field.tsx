// A labelled input, text area or select: the label names it for screen readers and tests,
// a hint (when given) describes it.
import { ComponentChildren } from "preact";

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  hint?: string;
  required?: boolean;
  type?: "text" | "password" | "url";
  multiline?: boolean;
  autoComplete?: string;
}

export function Field({ id, label, value, onInput, hint, required, type = "text", multiline, autoComplete }: FieldProps) {
  const describedBy = hint ? `${id}-hint` : undefined;
  const common = {
    id,
    value,
    required,
    "aria-describedby": describedBy,
    onInput: (e: Event) => onInput((e.target as HTMLInputElement).value),
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? <textarea rows={4} {...common} /> : <input type={type} autoComplete={autoComplete} {...common} />}
      {hint && (
        <p id={describedBy} class="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

interface SelectProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ComponentChildren;
}

export function Select({ id, label, value, onChange, children }: SelectProps) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {children}
      </select>
    </div>
  );
}
