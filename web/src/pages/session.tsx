// The session page: its state and controls, the conversation as a chat following the live
// messages stream, and a composer for the next user message.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { useConversation } from "../api/conversation";
import { LiveAnswer, useLiveAnswer } from "../api/live_answer";
import { Session } from "../api/types";
import { useObject } from "../api/use_object";
import { useWatchedList } from "../api/watched_list";
import { LoadFailed } from "../components/load_failed";
import { EmptyState, ErrorNotice, LiveIndicator, PhaseBadge } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { agentPath, navigate, projectPath } from "../router";
import { ChatMessage } from "./chat_message";
import { Composer } from "./composer";
import { SessionActions } from "./session_actions";

// Messages rendered at first; older ones come a page at a time on request, so a session with
// 10,000 events renders as fast as one with 200.
const kWindow = 200;

// The answer being written, until the stored message with the same text has arrived.
function Draft({ answer, lastAssistant }: { answer: LiveAnswer | undefined; lastAssistant: string | undefined }) {
  if (!answer || (answer.text === "" && answer.reasoning === "")) return null;
  if (answer.ended && answer.text === lastAssistant) return null;
  return (
    <li class="msg msg-draft" aria-busy="true">
      <div class="msg-head">
        <span class="who">Agent</span>
        <span>writing…</span>
      </div>
      {answer.reasoning && (
        <details>
          <summary>Reasoning</summary>
          <pre>{answer.reasoning}</pre>
        </details>
      )}
      <div class="text">{answer.text}</div>
    </li>
  );
}

function Chat({ sessionId, running }: { sessionId: string; running: boolean }) {
  const { messages, state, error } = useConversation(sessionId);
  const answer = useLiveAnswer(sessionId, running);
  const lastAssistant = messages.findLast((m) => m.event_type === "assistant")?.payload;
  const [shown, setShown] = useState(kWindow);
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  // Follow new messages while the reader is at the end; leave them alone when scrolled up.
  useLayoutEffect(() => {
    const element = list.current;
    if (element && atBottom.current) element.scrollTop = element.scrollHeight;
  }, [messages, answer]);
  const onScroll = () => {
    const element = list.current;
    if (element) atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
  };
  const hidden = Math.max(0, messages.length - shown);
  return (
    <section class="chat" aria-labelledby="chat-heading">
      <div class="page-head">
        <h2 id="chat-heading">Conversation</h2>
        <LiveIndicator state={state} />
      </div>
      <ErrorNotice error={error} />
      {messages.length === 0 && state !== "failed" && (
        <EmptyState>No messages yet. Send the first one below; the agent's answer appears here as it is written.</EmptyState>
      )}
      <div class="messages" ref={list} onScroll={onScroll} role="log" aria-label="Messages" tabIndex={0}>
        <ol>
          {hidden > 0 && (
            <li class="earlier">
              <button type="button" onClick={() => setShown(shown + kWindow * 5)}>
                Show earlier messages ({hidden} more)
              </button>
            </li>
          )}
          {messages.slice(hidden).map((message) => (
            <ChatMessage key={message.seq} message={message} />
          ))}
          <Draft answer={answer} lastAssistant={lastAssistant} />
        </ol>
      </div>
    </section>
  );
}

export function SessionPage({ sessionId }: { sessionId: string }) {
  const { value: initial, error } = useObject<Session>(`/sessions/${encodeURIComponent(sessionId)}`);
  // The session's phase stays live through its project's sessions watch.
  const projectQuery = initial ? `project_id=${encodeURIComponent(initial.project_id)}` : "";
  if (error) return <LoadFailed title="Session" error={error} back="/" backText="Back to projects" />;
  if (!initial) return <main aria-busy="true">Loading session…</main>;
  return <LiveSession initial={initial} projectQuery={projectQuery} />;
}

function LiveSession({ initial, projectQuery }: { initial: Session; projectQuery: string }) {
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
      <Chat sessionId={session.id} running={session.phase === "Running"} />
      <Composer sessionId={session.id} />
    </main>
  );
}
