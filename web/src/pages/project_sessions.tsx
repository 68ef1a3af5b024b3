// A project's sessions, live (the sessions watch stream scoped to the project), filtered by
// name, phase, agent and creator, and a form that creates and starts a session.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Agent, Session } from "../api/types";
import { useWatchedList } from "../api/watched_list";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { Field, Select } from "../components/field";
import { useAction } from "../components/use_action";
import { navigate, projectPath, sessionPath } from "../router";
import { SessionsTable } from "./sessions_table";

function CreateSession({ projectId }: { projectId: string }) {
  const [name, setName] = useState("");
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const session = await api<Session>("POST", "/sessions", { name: name.trim(), project_id: projectId });
      await api("POST", `/sessions/${encodeURIComponent(session.id)}/start`);
      navigate(sessionPath(session.id));
    });
  };
  return (
    <form class="inline-form" onSubmit={submit}>
      <Field id="session-name" label="New session name" value={name} onInput={setName} required />
      <button type="submit" disabled={action.busy}>
        Create and start
      </button>
      <ErrorNotice error={action.error} />
    </form>
  );
}

const kPhases = ["Pending", "Creating", "Running", "Stopping", "Stopped", "Completed", "Failed"];

interface Filters {
  text: string;
  phase: string;
  agent: string;
  creator: string;
}

function matches(session: Session, filters: Filters): boolean {
  const needle = filters.text.trim().toLowerCase();
  if (needle && !session.name.toLowerCase().includes(needle)) return false;
  const phase = session.phase ?? "";
  if (filters.phase === "none" && phase !== "") return false;
  if (filters.phase !== "" && filters.phase !== "none" && phase !== filters.phase) return false;
  if (filters.agent && (session.agent_id ?? "") !== filters.agent) return false;
  return !filters.creator || session.created_by_user_id === filters.creator;
}

function FilterBar({ filters, set, agents, creators }: { filters: Filters; set: (f: Filters) => void; agents: Agent[]; creators: string[] }) {
  return (
    <div class="filter" role="search" aria-label="Filter sessions">
      <Field id="session-filter" label="Search names" value={filters.text} onInput={(text) => set({ ...filters, text })} />
      <Select id="phase-filter" label="Phase" value={filters.phase} onChange={(phase) => set({ ...filters, phase })}>
        <option value="">any</option>
        <option value="none">not started</option>
        {kPhases.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </Select>
      <Select id="agent-filter" label="Agent" value={filters.agent} onChange={(agent) => set({ ...filters, agent })}>
        <option value="">any</option>
        {agents.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </Select>
      <Select id="creator-filter" label="Creator" value={filters.creator} onChange={(creator) => set({ ...filters, creator })}>
        <option value="">anyone</option>
        {creators.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </Select>
    </div>
  );
}

export function ProjectSessions({ projectId }: { projectId: string }) {
  const scope = `project_id=${encodeURIComponent(projectId)}`;
  const { items, error, state } = useWatchedList<Session>("/sessions", scope);
  // The agents watch is scoped by the project, the agents list is not: keep this project's.
  const agents = useWatchedList<Agent>("/agents", scope).items?.filter((a) => a.project_id === projectId) ?? [];
  const [filters, setFilters] = useState<Filters>({ text: "", phase: "", agent: "", creator: "" });
  const shown = items?.filter((s) => matches(s, filters));
  const creators = [...new Set(items?.map((s) => s.created_by_user_id ?? "").filter(Boolean))].sort();
  return (
    <section aria-labelledby="sessions-heading">
      <div class="page-head">
        <h2 id="sessions-heading">Sessions</h2>
        <LiveIndicator state={state} />
      </div>
      <CreateSession projectId={projectId} />
      <ErrorNotice error={error} />
      {items && items.length > 0 && <FilterBar filters={filters} set={setFilters} agents={agents} creators={creators} />}
      {items && items.length === 0 && (
        <EmptyState>
          No sessions in this project yet. Create one above, or <a href={projectPath(projectId, "agents")}>start an agent</a>{" "}
          with a task.
        </EmptyState>
      )}
      {shown && items && items.length > 0 && shown.length === 0 && (
        <EmptyState>No session matches these filters. Clear a filter to see more.</EmptyState>
      )}
      {shown && shown.length > 0 && <SessionsTable sessions={shown} agents={agents} />}
    </section>
  );
}
