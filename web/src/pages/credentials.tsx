// The credentials the caller may read, live, and a form to create one. Tokens are
// write-only: typed here, sent once, never shown.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Credential } from "../api/types";
import { useWatchedList } from "../api/watched_list";
import { Field, Select } from "../components/field";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { useAction } from "../components/use_action";
import { credentialPath, navigate, projectPath } from "../router";
import { TokenField } from "./token_field";

export const kProviders = ["github", "gitlab", "jira", "google", "vertex", "kubeconfig"];

function CreateCredential() {
  const [name, setName] = useState("");
  const [provider, setProvider] = useState("github");
  const [token, setToken] = useState("");
  const [project, setProject] = useState("");
  const [description, setDescription] = useState("");
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const body: Record<string, string> = { name: name.trim(), provider, token };
      if (project.trim()) body.project_id = project.trim();
      if (description.trim()) body.description = description.trim();
      const created = await api<Credential>("POST", "/credentials", body);
      setToken("");
      navigate(credentialPath(created.id));
    });
  };
  return (
    <form class="stacked-form" onSubmit={submit}>
      <Field id="credential-name" label="Credential name" value={name} onInput={setName} required />
      <Select id="credential-provider" label="Provider" value={provider} onChange={setProvider}>
        {kProviders.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </Select>
      <TokenField id="credential-token" label="Token" value={token} onInput={setToken} hint="Write-only: stored encrypted, never shown again." />
      <Field id="credential-project" label="Project (optional)" value={project} onInput={setProject} hint="Leave empty for a credential of your own, not tied to a project." />
      <Field id="credential-description" label="Description (optional)" value={description} onInput={setDescription} />
      <ErrorNotice error={action.error} />
      <button type="submit" disabled={action.busy}>
        Create credential
      </button>
    </form>
  );
}

export function CredentialsPage() {
  const { items, error, state } = useWatchedList<Credential>("/credentials");
  return (
    <main>
      <div class="page-head">
        <h1>Credentials</h1>
        <LiveIndicator state={state} />
      </div>
      <p class="hint">Secrets your agents use. Grant one to a project or an agent so its sessions' runners can read it.</p>
      <ErrorNotice error={error} />
      {items && items.length === 0 && <EmptyState>No credentials yet. Create one below, then grant it to a project.</EmptyState>}
      {items && items.length > 0 && (
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Provider</th>
              <th scope="col">Project</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td data-label="Name">
                  <a href={credentialPath(c.id)}>{c.name}</a>
                </td>
                <td data-label="Provider">{c.provider}</td>
                <td data-label="Project">{c.project_id ? <a href={projectPath(c.project_id)}>{c.project_id}</a> : "—"}</td>
                <td data-label="Updated">
                  <RelativeTime value={c.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details class="create" open={items?.length === 0}>
        <summary>Create a credential</summary>
        <CreateCredential />
      </details>
    </main>
  );
}
