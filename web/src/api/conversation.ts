// A session's conversation, live: its messages stream (SSE, `id:` = seq) from the first
// message, resumed after a drop from the last seq received. A message is kept only when its
// seq is beyond the last one, so a replay can never show it twice. Arrivals are rendered at
// most once per animation frame: a replay of 10,000 messages is one render, not 10,000.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./client";
import { StreamState, followStream } from "./stream";
import { SessionMessage } from "./types";

export interface Conversation {
  messages: SessionMessage[];
  state: StreamState;
  error: ApiError | undefined;
}

export function useConversation(sessionId: string): Conversation {
  const [messages, setMessages] = useState<SessionMessage[]>([]);
  const [state, setState] = useState<StreamState>("connecting");
  const [error, setError] = useState<ApiError | undefined>(undefined);

  useEffect(() => {
    const abort = new AbortController();
    const received: SessionMessage[] = [];
    let lastSeq = 0;
    let frame = 0;
    const publish = () => {
      frame = 0;
      setMessages(received.slice());
    };
    setMessages([]);
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
        received.push(message);
        if (frame === 0) frame = requestAnimationFrame(publish);
      },
    });
    return () => {
      abort.abort();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [sessionId]);

  return { messages, state, error };
}
