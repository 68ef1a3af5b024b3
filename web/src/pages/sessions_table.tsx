// Sessions as a table with their live phase and Start/Stop/Delete: a project's sessions and
// an agent's. At phone width the rows become cards (styles.css, table.cards).
import { Agent, Session } from "../api/types";
import { PhaseBadge } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { agentPath, sessionPath } from "../router";
import { SessionActions } from "./session_actions";

export function SessionsTable({ sessions, agents }: { sessions: Session[]; agents?: Agent[] }) {
  const agentName = (id: string) => agents?.find((a) => a.id === id)?.name ?? id;
  return (
    <table class="cards">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Phase</th>
          {agents && <th scope="col">Agent</th>}
          <th scope="col">Creator</th>
          <th scope="col">Created</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <tr key={session.id}>
            <td data-label="Name">
              <a href={sessionPath(session.id)}>{session.name}</a>
            </td>
            <td data-label="Phase">
              <PhaseBadge phase={session.phase} />
            </td>
            {agents && (
              <td data-label="Agent">{session.agent_id ? <a href={agentPath(session.agent_id)}>{agentName(session.agent_id)}</a> : "—"}</td>
            )}
            <td data-label="Creator">{session.created_by_user_id ?? "—"}</td>
            <td data-label="Created">
              <RelativeTime value={session.created_at} />
            </td>
            <td data-label="Actions">
              <SessionActions session={session} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
