// One project's sessions, live (the sessions watch stream scoped to the project), with a
// filter, start/stop/delete, and a form that creates and starts a session.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Session } from "../api/types";
import { useWatchedList } from "../api/watched_list";
import { EmptyState, ErrorNotice, LiveIndicator, PhaseBadge } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { navigate, sessionPath } from "../router";
import { SessionActions } from "./session_actions";

function CreateSession({ projectId }: { projectId: string }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const session = await api<Session>("POST", "/sessions", { name: name.trim(), project_id: projectId });
      await api("POST", `/sessions/${encodeURIComponent(session.id)}/start`);
      navigate(sessionPath(session.id));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit}>
      <label for="session-name">New session name</label>
      <input
        id="session-name"
        value={name}
        onInput={(e) => setName((e.target as HTMLInputElement).value)}
        required
      />
      <button type="submit">Create and start</button>
      <ErrorNotice error={error} />
    </form>
  );
}

export function ProjectPage({ projectId }: { projectId: string }) {
  const { items, error, state } = useWatchedList<Session>(
    "/sessions",
    `project_id=${encodeURIComponent(projectId)}`,
  );
  const [filter, setFilter] = useState("");
  const needle = filter.trim().toLowerCase();
  const shown = items?.filter(
    (s) => needle === "" || s.name.toLowerCase().includes(needle) || (s.phase ?? "").toLowerCase().includes(needle),
  );
  return (
    <main>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/">Projects</a> / <span>{projectId}</span>
      </nav>
      <div class="page-head">
        <h1>Sessions of {projectId}</h1>
        <LiveIndicator state={state} />
      </div>
      <CreateSession projectId={projectId} />
      <ErrorNotice error={error} />
      {items && items.length > 0 && (
        <div class="filter">
          <label for="session-filter">Filter by name or phase</label>
          <input id="session-filter" type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        </div>
      )}
      {items && items.length === 0 && <EmptyState>No sessions in this project yet. Create one above.</EmptyState>}
      {shown && items && items.length > 0 && shown.length === 0 && <EmptyState>No session matches “{filter}”.</EmptyState>}
      {shown && shown.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Phase</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((session) => (
              <tr key={session.id}>
                <td>
                  <a href={sessionPath(session.id)}>{session.name}</a>
                </td>
                <td>
                  <PhaseBadge phase={session.phase} />
                </td>
                <td>
                  <RelativeTime value={session.created_at} />
                </td>
                <td>
                  <SessionActions session={session} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
