// A project's settings (description, workspace context) and its members: the role bindings
// on the project and its agents, live through the role bindings watch.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { roleId, useRoles } from "../api/roles";
import { Project, RoleBinding } from "../api/types";
import { useWatchedList } from "../api/watched_list";
import { BindingsTable } from "../components/bindings_table";
import { Field, Select } from "../components/field";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { useAction } from "../components/use_action";

const kProjectRoles = ["project:viewer", "project:editor", "project:owner"];

function Settings({ project, onChanged }: { project: Project; onChanged: (p: Project) => void }) {
  const [description, setDescription] = useState(project.description ?? "");
  const [prompt, setPrompt] = useState(project.prompt ?? "");
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    void action.run(async () => {
      onChanged(await api<Project>("PATCH", `/projects/${encodeURIComponent(project.id)}`, { description, prompt }));
      setSaved(true);
    });
  };
  return (
    <form class="stacked-form" onSubmit={submit} aria-labelledby="project-settings-heading">
      <h2 id="project-settings-heading">Settings</h2>
      <Field id="project-description" label="Description" value={description} onInput={setDescription} />
      <Field
        id="project-prompt"
        label="Workspace context"
        value={prompt}
        onInput={setPrompt}
        multiline
        hint="Given to every agent of this project when it starts."
      />
      <ErrorNotice error={action.error} />
      {saved && <p role="status">Saved.</p>}
      <button type="submit" disabled={action.busy}>
        Save settings
      </button>
    </form>
  );
}

function AddMember({ projectId }: { projectId: string }) {
  const { roles } = useRoles();
  const [user, setUser] = useState("");
  const [role, setRole] = useState("project:viewer");
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const id = roleId(roles, role);
      if (!id) throw new Error(`The role ${role} is not known to this server.`);
      await api("POST", "/role_bindings", { role_id: id, scope: "project", project_id: projectId, user_id: user.trim() });
      setUser("");
    });
  };
  return (
    <form class="inline-form" onSubmit={submit}>
      <Field id="member-user" label="Username" value={user} onInput={setUser} required />
      <Select id="member-role" label="Role" value={role} onChange={setRole}>
        {kProjectRoles.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </Select>
      <button type="submit" disabled={action.busy || !roles}>
        Add member
      </button>
      <ErrorNotice error={action.error} />
    </form>
  );
}

export function ProjectMembers({ project, onChanged }: { project: Project; onChanged: (p: Project) => void }) {
  const { roles } = useRoles();
  const { items, error, state } = useWatchedList<RoleBinding>("/role_bindings");
  const members = items?.filter((b) => b.project_id === project.id && (b.scope === "project" || b.scope === "agent"));
  return (
    <>
      <Settings project={project} onChanged={onChanged} />
      <section aria-labelledby="members-heading">
        <div class="page-head">
          <h2 id="members-heading">Members</h2>
          <LiveIndicator state={state} />
        </div>
        <p class="hint">An owner adds editors and viewers; an editor adds viewers. The last owner cannot be removed.</p>
        <AddMember projectId={project.id} />
        <ErrorNotice error={error} />
        {members && members.length === 0 && (
          <EmptyState>No members you can see. Add one above by username and role.</EmptyState>
        )}
        {members && members.length > 0 && <BindingsTable bindings={members} roles={roles} caption="Members" />}
      </section>
    </>
  );
}
