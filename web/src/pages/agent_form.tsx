// The fields of an agent a person sets: create uses the first two, edit all of them.
import { useState } from "preact/hooks";
import { Agent } from "../api/types";
import { Field } from "../components/field";
import { ErrorNotice } from "../components/notices";
import { useAction } from "../components/use_action";

export type AgentFields = Pick<Agent, "name" | "display_name" | "description" | "prompt" | "llm_model">;

export function AgentForm({
  initial,
  submitLabel,
  onSubmit,
  full,
}: {
  initial: AgentFields;
  submitLabel: string;
  onSubmit: (fields: AgentFields) => Promise<unknown>;
  full: boolean;
}) {
  const [fields, setFields] = useState<AgentFields>(initial);
  const action = useAction();
  const set = (key: keyof AgentFields) => (value: string) => setFields({ ...fields, [key]: value });
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(() => onSubmit({ ...fields, name: fields.name.trim() }));
  };
  return (
    <form class="stacked-form" onSubmit={submit}>
      <Field id="agent-name" label="Agent name" value={fields.name} onInput={set("name")} required hint="Unique in the project." />
      {full && <Field id="agent-display-name" label="Display name" value={fields.display_name ?? ""} onInput={set("display_name")} />}
      {full && <Field id="agent-description" label="Description" value={fields.description ?? ""} onInput={set("description")} />}
      <Field
        id="agent-prompt"
        label="Standing instructions"
        value={fields.prompt ?? ""}
        onInput={set("prompt")}
        multiline
        hint="Sent at the start of every session this agent runs."
      />
      {full && <Field id="agent-model" label="Model" value={fields.llm_model ?? ""} onInput={set("llm_model")} />}
      <ErrorNotice error={action.error} />
      <button type="submit" disabled={action.busy}>
        {submitLabel}
      </button>
    </form>
  );
}
