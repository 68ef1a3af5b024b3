// A project's agents, live (the agents watch scoped to the project), and a form to create one.
import { api } from "../api/client";
import { Agent } from "../api/types";
import { useWatchedList } from "../api/watched_list";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { agentPath, navigate, sessionPath } from "../router";
import { AgentForm } from "./agent_form";

export function ProjectAgents({ projectId }: { projectId: string }) {
  const { items, error, state } = useWatchedList<Agent>("/agents", `project_id=${encodeURIComponent(projectId)}`);
  const agents = items?.filter((a) => a.project_id === projectId);
  const create = async (fields: Partial<Agent>) => {
    const agent = await api<Agent>("POST", `/projects/${encodeURIComponent(projectId)}/agents`, fields);
    navigate(agentPath(agent.id));
  };
  return (
    <section aria-labelledby="agents-heading">
      <div class="page-head">
        <h2 id="agents-heading">Agents</h2>
        <LiveIndicator state={state} />
      </div>
      <ErrorNotice error={error} />
      {agents && agents.length === 0 && (
        <EmptyState>No agents in this project yet. Create one below: give it a name and standing instructions, then start it with a task.</EmptyState>
      )}
      {agents && agents.length > 0 && (
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Latest session</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((agent) => (
              <tr key={agent.id}>
                <td data-label="Name">
                  <a href={agentPath(agent.id)}>{agent.display_name || agent.name}</a>
                </td>
                <td data-label="Description">{agent.description ?? ""}</td>
                <td data-label="Latest session">
                  {agent.current_session_id ? <a href={sessionPath(agent.current_session_id)}>open</a> : "none yet"}
                </td>
                <td data-label="Created">
                  <RelativeTime value={agent.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details class="create" open={agents?.length === 0}>
        <summary>Create an agent</summary>
        <AgentForm initial={{ name: "", prompt: "" }} submitLabel="Create agent" onSubmit={create} full={false} />
      </details>
    </section>
  );
}
