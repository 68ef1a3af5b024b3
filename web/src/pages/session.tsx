// The session page: its state and controls, the conversation (session_chat.tsx), and a
// composer for the next user message.
import { Conversation, useConversation } from "../api/conversation";
import { Session } from "../api/types";
import { useObject } from "../api/use_object";
import { useWatchedList } from "../api/watched_list";
import { LoadFailed } from "../components/load_failed";
import { PhaseBadge } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { agentPath, navigate, projectPath } from "../router";
import { Composer } from "./composer";
import { SessionActions } from "./session_actions";
import { SessionChat } from "./session_chat";

export function SessionPage({ sessionId }: { sessionId: string }) {
  const { value: initial, error } = useObject<Session>(`/sessions/${encodeURIComponent(sessionId)}`);
  // The conversation is read at once, beside the session, not after it.
  const conversation = useConversation(sessionId);
  // The session's phase stays live through its project's sessions watch.
  const projectQuery = initial ? `project_id=${encodeURIComponent(initial.project_id)}` : "";
  if (error) return <LoadFailed title="Session" error={error} back="/" backText="Back to projects" />;
  if (!initial) return <main aria-busy="true">Loading session…</main>;
  return <LiveSession initial={initial} projectQuery={projectQuery} conversation={conversation} />;
}

interface LiveSessionProps {
  initial: Session;
  projectQuery: string;
  conversation: Conversation;
}

function LiveSession({ initial, projectQuery, conversation }: LiveSessionProps) {
  const { items } = useWatchedList<Session>("/sessions", projectQuery);
  const session = items?.find((s) => s.id === initial.id) ?? initial;
  return (
    <main class="session-page">
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/">Projects</a> / <a href={projectPath(session.project_id)}>{session.project_id}</a> /{" "}
        <span>{session.name}</span>
      </nav>
      <div class="page-head">
        <h1>{session.name}</h1>
        <PhaseBadge phase={session.phase} />
        <span class="muted">
          created <RelativeTime value={session.created_at} />
          {session.created_by_user_id && ` by ${session.created_by_user_id}`}
          {session.agent_id && (
            <>
              {" "}
              for <a href={agentPath(session.agent_id)}>its agent</a>
            </>
          )}
        </span>
      </div>
      <SessionActions session={session} onDeleted={() => navigate(projectPath(session.project_id))} />
      <SessionChat conversation={conversation} sessionId={session.id} running={session.phase === "Running"} />
      <Composer sessionId={session.id} />
    </main>
  );
}
