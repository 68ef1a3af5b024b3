// One credential: rotate its token (write-only), grant it to a project or an agent, revoke
// grants, delete it. Grants are role bindings (docs/access.md, "Granting"), live through the
// role bindings watch; the credential itself through the credentials watch.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { roleId, useRoles } from "../api/roles";
import { Agent, Credential, Project, RoleBinding } from "../api/types";
import { useObject } from "../api/use_object";
import { useWatchedList } from "../api/watched_list";
import { BindingsTable } from "../components/bindings_table";
import { Field, Select } from "../components/field";
import { LoadFailed } from "../components/load_failed";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { useAction } from "../components/use_action";
import { navigate, projectPath } from "../router";
import { TokenField } from "./token_field";

function credentialRoute(id: string): string {
  return `/credentials/${encodeURIComponent(id)}`;
}

function RotateToken({ credential }: { credential: Credential }) {
  const [token, setToken] = useState("");
  const [rotated, setRotated] = useState(false);
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    setRotated(false);
    void action.run(async () => {
      // The PATCH answer is the credential without its token; nothing is read back.
      await api("PATCH", credentialRoute(credential.id), { token });
      setToken("");
      setRotated(true);
    });
  };
  return (
    <form class="stacked-form" onSubmit={submit} aria-labelledby="rotate-heading">
      <h2 id="rotate-heading">Rotate the token</h2>
      <TokenField
        id="rotate-token"
        label="New token"
        value={token}
        onInput={setToken}
        hint="Replaces the stored token. Sessions read the new one the next time they fetch it. Tokens are never shown."
      />
      <ErrorNotice error={action.error} />
      {rotated && <p role="status">Token replaced.</p>}
      <button type="submit" disabled={action.busy || token === ""}>
        Rotate token
      </button>
    </form>
  );
}

const kGrantRoles = [
  ["credential:token-reader", "token reader (sessions read the token)"],
  ["credential:viewer", "viewer (sessions read the token; a named user sees the credential)"],
];

// The projects the caller sees, and the agents of the one chosen, both live.
function useGrantTargets(project: string): { projects: Project[]; agents: Agent[] } {
  const projects = useWatchedList<Project>("/projects").items ?? [];
  const scope = project ? `project_id=${encodeURIComponent(project)}` : "project_id=-";
  const agents = useWatchedList<Agent>("/agents", scope).items?.filter((a) => a.project_id === project) ?? [];
  return { projects, agents };
}

function Grant({ credential }: { credential: Credential }) {
  const { roles } = useRoles();
  const [project, setProject] = useState(credential.project_id ?? "");
  const [agent, setAgent] = useState("");
  const [user, setUser] = useState("");
  const [role, setRole] = useState(kGrantRoles[0][0]);
  const { projects, agents } = useGrantTargets(project);
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const id = roleId(roles, role);
      if (!id) throw new Error(`The role ${role} is not known to this server.`);
      const body: Record<string, string> = { role_id: id, scope: "credential", credential_id: credential.id, project_id: project.trim() };
      if (agent.trim()) body.agent_id = agent.trim();
      if (user.trim()) body.user_id = user.trim();
      await api("POST", "/role_bindings", body);
      setAgent("");
      setUser("");
    });
  };
  return (
    <form class="stacked-form" onSubmit={submit} aria-labelledby="grant-heading">
      <h2 id="grant-heading">Grant to a project or an agent</h2>
      <Select
        id="grant-project"
        label="Project"
        value={project}
        onChange={(p) => {
          setProject(p);
          setAgent("");
        }}
      >
        <option value="">choose a project</option>
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </Select>
      <Select id="grant-agent" label="Agent" value={agent} onChange={setAgent}>
        <option value="">every session of the project</option>
        {agents.map((a) => (
          <option key={a.id} value={a.id}>
            only {a.name}'s sessions
          </option>
        ))}
      </Select>
      <Field id="grant-user" label="User (optional)" value={user} onInput={setUser} />
      <Select id="grant-role" label="As" value={role} onChange={setRole}>
        {kGrantRoles.map(([name, words]) => (
          <option key={name} value={name}>
            {words}
          </option>
        ))}
      </Select>
      <ErrorNotice error={action.error} />
      <button type="submit" disabled={action.busy || !roles || project === ""}>
        Grant
      </button>
    </form>
  );
}

function DeleteCredential({ credential }: { credential: Credential }) {
  const action = useAction();
  const remove = () => {
    if (!confirm(`Delete credential “${credential.name}”? Its token is erased and its grants removed.`)) return;
    void action.run(async () => {
      await api("DELETE", credentialRoute(credential.id));
      navigate("/credentials");
    });
  };
  return (
    <div class="actions">
      <button type="button" class="danger" disabled={action.busy} onClick={remove}>
        Delete credential
      </button>
      <ErrorNotice error={action.error} />
    </div>
  );
}

function LiveCredential({ initial }: { initial: Credential }) {
  const credentials = useWatchedList<Credential>("/credentials");
  const bindings = useWatchedList<RoleBinding>("/role_bindings");
  const { roles } = useRoles();
  const credential = credentials.items?.find((c) => c.id === initial.id) ?? initial;
  const all = bindings.items?.filter((b) => b.scope === "credential" && b.credential_id === credential.id);
  return (
    <main>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/credentials">Credentials</a> / <span>{credential.name}</span>
      </nav>
      <div class="page-head">
        <h1>{credential.name}</h1>
        <LiveIndicator state={credentials.state} />
      </div>
      <dl class="facts">
        <dt>Provider</dt>
        <dd>{credential.provider}</dd>
        <dt>Project</dt>
        <dd>{credential.project_id ? <a href={projectPath(credential.project_id)}>{credential.project_id}</a> : "none (yours)"}</dd>
        <dt>Description</dt>
        <dd>{credential.description || "—"}</dd>
        <dt>Token</dt>
        <dd>write-only: set or replace it below; it is never shown</dd>
        <dt>Updated</dt>
        <dd>
          <RelativeTime value={credential.updated_at} />
        </dd>
      </dl>
      <div class="columns">
        <RotateToken credential={credential} />
        <Grant credential={credential} />
      </div>
      <section aria-labelledby="grants-heading">
        <h2 id="grants-heading">Grants and access</h2>
        <ErrorNotice error={bindings.error} />
        {all && all.length === 0 && <EmptyState>Not granted to anything yet. Grant it above so a project's sessions can use it.</EmptyState>}
        {all && all.length > 0 && <BindingsTable bindings={all} roles={roles} caption="Grants and access" />}
      </section>
      <DeleteCredential credential={credential} />
    </main>
  );
}

export function CredentialPage({ credentialId }: { credentialId: string }) {
  const { value: credential, error } = useObject<Credential>(credentialRoute(credentialId));
  if (error) return <LoadFailed title="Credential" error={error} back="/credentials" backText="Back to your credentials" />;
  if (!credential) return <main aria-busy="true">Loading credential…</main>;
  return <LiveCredential initial={credential} />;
}
