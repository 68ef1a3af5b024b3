// Every role binding the caller may see (their own and those where they manage bindings),
// live, and a form to create one at any scope. The server decides what may be granted
// (docs/access.md, "Granting"); a refusal is shown as it comes.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { useRoles } from "../api/roles";
import { RoleBinding, Scope } from "../api/types";
import { useWatchedList } from "../api/watched_list";
import { BindingsTable } from "../components/bindings_table";
import { Field, Select } from "../components/field";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { useAction } from "../components/use_action";

// The ids each scope takes, in the order they are asked for.
const kScopeIds: Record<Scope, (keyof RoleBinding)[]> = {
  global: [],
  project: ["project_id"],
  agent: ["project_id", "agent_id"],
  session: ["session_id"],
  credential: ["credential_id", "project_id", "agent_id"],
};
const kIdLabels: Record<string, string> = {
  project_id: "Project",
  agent_id: "Agent id",
  session_id: "Session id",
  credential_id: "Credential id",
};

function CreateBinding() {
  const { roles, error: rolesError } = useRoles();
  const [user, setUser] = useState("");
  const [role, setRole] = useState("");
  const [scope, setScope] = useState<Scope>("project");
  const [ids, setIds] = useState<Record<string, string>>({});
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      // Until one is chosen, the select shows (and so means) the first role.
      const body: Record<string, string> = { role_id: role || roles?.[0]?.id || "", scope };
      if (user.trim()) body.user_id = user.trim();
      for (const key of kScopeIds[scope]) if (ids[key]?.trim()) body[key] = ids[key].trim();
      await api("POST", "/role_bindings", body);
      setUser("");
    });
  };
  return (
    <form class="stacked-form" onSubmit={submit}>
      <Field id="binding-user" label="Username" value={user} onInput={setUser} hint="Empty for a credential grant to a project's sessions." />
      <Select id="binding-role" label="Role" value={role} onChange={setRole}>
        {roles?.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </Select>
      <Select id="binding-scope" label="Scope" value={scope} onChange={(s) => setScope(s as Scope)}>
        {Object.keys(kScopeIds).map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </Select>
      {kScopeIds[scope].map((key) => (
        <Field key={key} id={`binding-${key}`} label={kIdLabels[key]} value={ids[key] ?? ""} onInput={(v) => setIds({ ...ids, [key]: v })} />
      ))}
      <ErrorNotice error={action.error ?? rolesError} />
      <button type="submit" disabled={action.busy || !roles}>
        Create binding
      </button>
    </form>
  );
}

export function RoleBindingsPage() {
  const { roles } = useRoles();
  const { items, error, state } = useWatchedList<RoleBinding>("/role_bindings");
  return (
    <main>
      <div class="page-head">
        <h1>Role bindings</h1>
        <LiveIndicator state={state} />
      </div>
      <p class="hint">Who holds which role where. You see your own bindings and those you manage.</p>
      <ErrorNotice error={error} />
      {items && items.length === 0 && <EmptyState>No role bindings you can see. Create one below to give someone a role.</EmptyState>}
      {items && items.length > 0 && <BindingsTable bindings={items} roles={roles} caption="Role bindings" />}
      <details class="create" open={items?.length === 0}>
        <summary>Create a role binding</summary>
        <CreateBinding />
      </details>
    </main>
  );
}
