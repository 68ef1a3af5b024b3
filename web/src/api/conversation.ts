// A session's conversation, live: its messages stream (SSE, `id:` = seq) from the first
// message, resumed after a drop from the last seq received. A message is kept only when its
// seq is beyond the last one, so a replay can never show it twice. Arrivals are grouped into
// chat entries (conversation_entries.ts) and rendered at most once per animation frame: a
// replay of 10,000 messages is one render, not 10,000.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./client";
import { Entry, EntryGrouper } from "./conversation_entries";
import { StreamState, followStream } from "./stream";
import { SessionMessage } from "./types";

export interface Conversation {
  entries: Entry[];
  toolCallIds: Set<string>; // of the stored tool calls and results
  lastAssistant: string | undefined; // the newest assistant text
  lastError: string | undefined; // the newest error message's text
  state: StreamState;
  error: ApiError | undefined;
}

interface Shown {
  entries: Entry[];
  toolCallIds: Set<string>;
  lastAssistant: string | undefined;
  lastError: string | undefined;
}

const kNothing: Shown = { entries: [], toolCallIds: new Set(), lastAssistant: undefined, lastError: undefined };

function errorText(message: SessionMessage): string {
  try {
    const body = JSON.parse(message.payload) as { message?: unknown };
    return typeof body?.message === "string" ? body.message : message.payload;
  } catch {
    return message.payload;
  }
}

export function useConversation(sessionId: string): Conversation {
  const [shown, setShown] = useState<Shown>(kNothing);
  const [state, setState] = useState<StreamState>("connecting");
  const [error, setError] = useState<ApiError | undefined>(undefined);

  useEffect(() => {
    const abort = new AbortController();
    const grouper = new EntryGrouper();
    let pending: SessionMessage[] = [];
    let lastAssistant: string | undefined;
    let lastError: string | undefined;
    let lastSeq = 0;
    let frame = 0;
    const publish = () => {
      frame = 0;
      grouper.add(pending);
      pending = [];
      setShown({ entries: grouper.entries, toolCallIds: new Set(grouper.toolCallIds), lastAssistant, lastError });
    };
    setShown(kNothing);
    void followStream({
      path: `/sessions/${encodeURIComponent(sessionId)}/messages`,
      signal: abort.signal,
      onState: (next, failure) => {
        setState(next);
        setError(next === "failed" ? failure : undefined);
      },
      onFrame: (sse) => {
        const message = JSON.parse(sse.data) as SessionMessage;
        if (typeof message.seq !== "number" || message.seq <= lastSeq) return;
        lastSeq = message.seq;
        pending.push(message);
        if (message.event_type === "assistant") lastAssistant = message.payload;
        if (message.event_type === "error") lastError = errorText(message);
        if (frame === 0) frame = requestAnimationFrame(publish);
      },
    });
    return () => {
      abort.abort();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [sessionId]);

  return { ...shown, state, error };
}
