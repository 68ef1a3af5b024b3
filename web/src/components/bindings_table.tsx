// Role bindings as a table — who, which role, where — with a Remove button each. Used by the
// role bindings page, a project's members and a credential's grants.
import { api } from "../api/client";
import { roleName } from "../api/roles";
import { Role, RoleBinding } from "../api/types";
import { agentPath, credentialPath, projectPath, sessionPath } from "../router";
import { ErrorNotice } from "./notices";
import { ObjectName } from "./object_name";
import { RelativeTime } from "./relative_time";
import { useAction } from "./use_action";

// Where a binding applies, linked to what it names.
function Where({ binding }: { binding: RoleBinding }) {
  const project = binding.project_id && <a href={projectPath(binding.project_id)}>project {binding.project_id}</a>;
  const agent = binding.agent_id && (
    <a href={agentPath(binding.agent_id)}>
      agent <ObjectName kind="agents" id={binding.agent_id} />
    </a>
  );
  switch (binding.scope) {
    case "global":
      return <span>everything</span>;
    case "project":
      return <span>{project}</span>;
    case "agent":
      return <span>{agent} of {project}</span>;
    case "session":
      return <a href={sessionPath(binding.session_id ?? "")}>session {binding.session_id}</a>;
    case "credential":
      return (
        <span>
          <a href={credentialPath(binding.credential_id ?? "")}>
            credential <ObjectName kind="credentials" id={binding.credential_id ?? ""} />
          </a>
          {project && <> granted to {agent ? <>{agent} of </> : null}{project}</>}
        </span>
      );
  }
}

function RemoveButton({ binding, label }: { binding: RoleBinding; label: string }) {
  const action = useAction();
  const remove = () => {
    if (confirm(`Remove ${label}?`)) void action.run(() => api("DELETE", `/role_bindings/${encodeURIComponent(binding.id)}`));
  };
  return (
    <>
      <button type="button" class="danger" disabled={action.busy} onClick={remove} aria-label={`Remove ${label}`}>
        Remove
      </button>
      <ErrorNotice error={action.error} />
    </>
  );
}

export function BindingsTable({ bindings, roles, caption }: { bindings: RoleBinding[]; roles: Role[] | undefined; caption: string }) {
  return (
    <table class="cards">
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Role</th>
          <th scope="col">Where</th>
          <th scope="col">Granted</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {bindings.map((binding) => {
          const role = roleName(roles, binding.role_id);
          const who = binding.user_id || "(no user)";
          return (
            <tr key={binding.id}>
              <td data-label="User">{who}</td>
              <td data-label="Role">
                <span class="nowrap">{role}</span>
              </td>
              <td data-label="Where">
                <Where binding={binding} />
              </td>
              <td data-label="Granted">
                <RelativeTime value={binding.created_at} />
              </td>
              <td data-label="Actions">
                <RemoveButton binding={binding} label={`${role} for ${who}`} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
