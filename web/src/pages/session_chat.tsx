// The session's conversation as a chat: the stored messages (the newest read first, live
// through the messages stream), the newest kWindow entries drawn and older ones a page at a
// time on request (drawn if read, else read), and
// below them what the running agent is doing now (its live AG-UI events).
import { memo } from "preact/compat";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { Conversation } from "../api/conversation";
import { Entry } from "../api/conversation_entries";
import { LiveAnswer, useLiveAnswer } from "../api/live_answer";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { ChatMessage } from "./chat_message";
import { StoredToolCall, ToolCallView, prettyJsonText } from "./tool_call";

// Entries drawn at first; older ones come kPage at a time on request, so a session with
// 10,000 events draws as fast as one with 100.
const kWindow = 100;
const kPage = 1000;

interface DraftProps {
  answer: LiveAnswer;
  lastAssistant: string | undefined;
  lastError: string | undefined;
  storedToolCalls: Set<string>;
}

// What the running agent is doing, until the stored messages that record it have arrived.
function Draft({ answer, lastAssistant, lastError, storedToolCalls }: DraftProps) {
  const tools = answer.tools.filter((tool) => !storedToolCalls.has(tool.id));
  const text = answer.ended && answer.text === lastAssistant ? "" : answer.text;
  const error = answer.error !== undefined && answer.error !== lastError ? answer.error : undefined;
  if (text === "" && answer.reasoning === "" && tools.length === 0 && error === undefined) return null;
  return (
    <li class={error === undefined ? "msg msg-draft" : "msg msg-error"} aria-busy={error === undefined}>
      <div class="msg-head">
        <span class="who">{error === undefined ? "Agent" : "Error"}</span>
        <span>{error === undefined ? "working…" : "the run failed"}</span>
      </div>
      {answer.reasoning && (
        <details>
          <summary>Reasoning</summary>
          <pre>{answer.reasoning}</pre>
        </details>
      )}
      {tools.map((tool) => (
        <ToolCallView key={tool.id} name={tool.name} args={prettyJsonText(tool.args)} result={tool.result} live />
      ))}
      {text && <div class="text">{text}</div>}
      {error !== undefined && <div class="text">{error}</div>}
    </li>
  );
}

const Row = memo(function Row({ entry }: { entry: Entry }) {
  return entry.kind === "tool" ? (
    <StoredToolCall call={entry.call} result={entry.result} />
  ) : (
    <ChatMessage message={entry.message} />
  );
});

interface SessionChatProps {
  conversation: Conversation; // read from the session page's start, beside the session
  sessionId: string;
  running: boolean;
}

export function SessionChat({ conversation, sessionId, running }: SessionChatProps) {
  const { entries, toolCallIds, lastAssistant, lastError, hasEarlier, loadEarlier, state, error } = conversation;
  const answer = useLiveAnswer(sessionId, running);
  const [shown, setShown] = useState(kWindow);
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  // Follow new messages while the reader is at the end; leave them alone when scrolled up.
  useLayoutEffect(() => {
    const element = list.current;
    if (element && atBottom.current) element.scrollTop = element.scrollHeight;
  }, [entries, answer]);
  const onScroll = () => {
    const element = list.current;
    if (element) atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
  };
  const hidden = Math.max(0, entries.length - shown);
  // Earlier entries already read are drawn first; then the next range is read.
  const onEarlier = () => {
    atBottom.current = false;
    setShown(shown + kPage);
    if (hidden === 0) void loadEarlier();
  };
  return (
    <section class="chat" aria-labelledby="chat-heading">
      <div class="page-head">
        <h2 id="chat-heading">Conversation</h2>
        <LiveIndicator state={state} />
      </div>
      <ErrorNotice error={error} />
      {entries.length === 0 && state !== "failed" && (
        <EmptyState>No messages yet. Send the first one below; the agent's answer appears here as it is written.</EmptyState>
      )}
      <div class="messages" ref={list} onScroll={onScroll} role="log" aria-label="Messages" tabIndex={0}>
        <ol>
          {(hidden > 0 || hasEarlier) && (
            <li class="earlier">
              <button type="button" onClick={onEarlier}>
                Show earlier messages
              </button>
            </li>
          )}
          {entries.slice(hidden).map((entry) => (
            <Row key={entry.key} entry={entry} />
          ))}
          <Draft answer={answer} lastAssistant={lastAssistant} lastError={lastError} storedToolCalls={toolCallIds} />
        </ol>
      </div>
    </section>
  );
}
