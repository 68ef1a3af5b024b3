// An agent: its settings (editable), a start with a task, and its sessions — live through
// the project's agents and sessions watches.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Agent, Session } from "../api/types";
import { useObject } from "../api/use_object";
import { useWatchedList } from "../api/watched_list";
import { Field } from "../components/field";
import { LoadFailed } from "../components/load_failed";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { useAction } from "../components/use_action";
import { navigate, projectPath, sessionPath } from "../router";
import { AgentForm, AgentFields } from "./agent_form";
import { SessionsTable } from "./sessions_table";

function agentRoute(agent: Agent): string {
  return `/projects/${encodeURIComponent(agent.project_id)}/agents/${encodeURIComponent(agent.id)}`;
}

function StartAgent({ agent }: { agent: Agent }) {
  const [task, setTask] = useState("");
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const body = task.trim() ? { prompt: task } : {};
      const started = await api<{ session: Session }>("POST", `${agentRoute(agent)}/start`, body);
      navigate(sessionPath(started.session.id));
    });
  };
  return (
    <form class="stacked-form" onSubmit={submit} aria-labelledby="start-heading">
      <h2 id="start-heading">Start</h2>
      <Field
        id="agent-task"
        label="Task for this run"
        value={task}
        onInput={setTask}
        multiline
        hint="Optional. If the agent is already running, you are taken to its running session instead."
      />
      <ErrorNotice error={action.error} />
      <button type="submit" disabled={action.busy}>
        Start agent
      </button>
    </form>
  );
}

function DeleteAgent({ agent }: { agent: Agent }) {
  const action = useAction();
  const remove = () => {
    if (!confirm(`Delete agent “${agent.name}”? Its inbox is deleted; its sessions stay.`)) return;
    void action.run(async () => {
      await api("DELETE", agentRoute(agent));
      navigate(projectPath(agent.project_id, "agents"));
    });
  };
  return (
    <div class="actions">
      <button type="button" class="danger" disabled={action.busy} onClick={remove}>
        Delete agent
      </button>
      <ErrorNotice error={action.error} />
    </div>
  );
}

function LiveAgent({ initial }: { initial: Agent }) {
  const scope = `project_id=${encodeURIComponent(initial.project_id)}`;
  const agents = useWatchedList<Agent>("/agents", scope);
  const sessions = useWatchedList<Session>("/sessions", scope);
  const agent = agents.items?.find((a) => a.id === initial.id) ?? initial;
  const own = sessions.items?.filter((s) => s.agent_id === agent.id);
  const [saved, setSaved] = useState(false);
  const save = async (fields: AgentFields) => {
    setSaved(false);
    await api<Agent>("PATCH", agentRoute(agent), fields);
    setSaved(true);
  };
  return (
    <main>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/">Projects</a> / <a href={projectPath(agent.project_id, "agents")}>{agent.project_id}</a> /{" "}
        <span>{agent.name}</span>
      </nav>
      <div class="page-head">
        <h1>{agent.display_name || agent.name}</h1>
        <LiveIndicator state={agents.state} />
        <span class="muted">
          created <RelativeTime value={agent.created_at} /> by {agent.owner_user_id ?? "—"}
        </span>
      </div>
      <div class="columns">
        <StartAgent agent={agent} />
        <section aria-labelledby="settings-heading">
          <h2 id="settings-heading">Settings</h2>
          <AgentForm key={agent.id} initial={agent} submitLabel="Save agent" onSubmit={save} full />
          {saved && <p role="status">Saved.</p>}
        </section>
      </div>
      <section aria-labelledby="agent-sessions-heading">
        <h2 id="agent-sessions-heading">Sessions of this agent</h2>
        <ErrorNotice error={sessions.error} />
        {own && own.length === 0 && <EmptyState>This agent has not run yet. Start it above with a task.</EmptyState>}
        {own && own.length > 0 && <SessionsTable sessions={own} />}
      </section>
      <DeleteAgent agent={agent} />
    </main>
  );
}

export function AgentPage({ agentId }: { agentId: string }) {
  const { value: agent, error } = useObject<Agent>(`/agents/${encodeURIComponent(agentId)}`);
  if (error) return <LoadFailed title="Agent" error={error} back="/" backText="Back to projects" />;
  if (!agent) return <main aria-busy="true">Loading agent…</main>;
  return <LiveAgent initial={agent} />;
}
