// A session's conversation, live: the newest messages (a seq range of kRecentSeqs reaching
// at least kRecentSeqs / 2 back from the newest, found by findBounds), then its messages stream (SSE, `id:` = seq) from there,
// resumed after a drop from the last seq received. A message is kept only when its seq is
// beyond the last one, so a replay can never show it twice. Earlier messages are read on
// request, kEarlierSeqs of seq range at a time. Arrivals are grouped into chat entries
// (conversation_entries.ts) and rendered at most once per animation frame.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api } from "./client";
import { Entry, EntryGrouper } from "./conversation_entries";
import { findBounds } from "./newest_seq";
import { StreamState, followStream } from "./stream";
import { SessionMessage } from "./types";

const kRecentSeqs = 400;
const kEarlierSeqs = 2000;
const kPageLimit = 1000; // the API's largest page

export interface Conversation {
  entries: Entry[];
  toolCallIds: Set<string>; // of the stored tool calls and results
  lastAssistant: string | undefined; // the newest assistant text
  lastError: string | undefined; // the newest error message's text
  hasEarlier: boolean; // messages before the first one read
  loadEarlier: () => Promise<void>;
  state: StreamState;
  error: ApiError | undefined;
}

interface Shown {
  entries: Entry[];
  toolCallIds: Set<string>;
  lastAssistant: string | undefined;
  lastError: string | undefined;
  hasEarlier: boolean;
}

const kNothing: Shown = { entries: [], toolCallIds: new Set(), lastAssistant: undefined, lastError: undefined, hasEarlier: false };

function errorText(message: SessionMessage): string {
  try {
    const body = JSON.parse(message.payload) as { message?: unknown };
    return typeof body?.message === "string" ? body.message : message.payload;
  } catch {
    return message.payload;
  }
}

// The messages with after < seq <= upto, oldest first, a page at a time.
async function readRange(path: string, after: number, upto: number): Promise<SessionMessage[]> {
  const out: SessionMessage[] = [];
  for (;;) {
    const page = await api<SessionMessage[]>("GET", `${path}?after_seq=${after}&limit=${kPageLimit}`);
    for (const message of page) {
      if (message.seq > upto) return out;
      out.push(message);
    }
    if (page.length < kPageLimit) return out;
    after = page[page.length - 1].seq;
  }
}

export function useConversation(sessionId: string): Conversation {
  const [shown, setShown] = useState<Shown>(kNothing);
  const [state, setState] = useState<StreamState>("connecting");
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const earlier = useRef<() => Promise<void>>(async () => {});

  useEffect(() => {
    const abort = new AbortController();
    const path = `/sessions/${encodeURIComponent(sessionId)}/messages`;
    let messages: SessionMessage[] = [];
    let grouper = new EntryGrouper();
    let pending: SessionMessage[] = [];
    let lastAssistant: string | undefined;
    let lastError: string | undefined;
    let lastSeq = 0;
    let first = 0; // the session's first seq
    let floor = 0; // every message after it is read
    let frame = 0;
    const publish = () => {
      frame = 0;
      grouper.add(pending);
      if (pending.length > 0) messages = messages.concat(pending);
      pending = [];
      setShown({
        entries: grouper.entries,
        toolCallIds: new Set(grouper.toolCallIds),
        lastAssistant,
        lastError,
        hasEarlier: first !== 0 && floor >= first,
      });
    };
    let reading = false; // one earlier range at a time, or two would both be prepended
    earlier.current = async () => {
      if (reading || first === 0 || floor < first) return;
      reading = true;
      const from = Math.max(0, floor - kEarlierSeqs);
      let older: SessionMessage[];
      try {
        older = await readRange(path, from, floor);
      } catch (failure) {
        if (failure instanceof ApiError) setError(failure);
        return;
      } finally {
        reading = false;
      }
      if (abort.signal.aborted) return;
      floor = from;
      if (frame !== 0) cancelAnimationFrame(frame);
      messages = older.concat(messages, pending);
      pending = [];
      grouper = new EntryGrouper();
      grouper.add(messages);
      publish();
    };
    setShown(kNothing);
    void (async () => {
      try {
        const bounds = await findBounds(sessionId, kRecentSeqs / 2);
        first = bounds.first;
        floor = Math.max(0, bounds.newest - kRecentSeqs);
      } catch (failure) {
        if (abort.signal.aborted) return;
        // Without the bounds the whole conversation is read, as the stream gives it.
        if (failure instanceof ApiError && failure.status !== 0 && failure.status < 500) {
          setState("failed");
          setError(failure);
          return;
        }
      }
      lastSeq = floor;
      if (abort.signal.aborted) return;
      await followStream({
        path,
        lastEventId: floor > 0 ? String(floor) : undefined,
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
    })();
    return () => {
      abort.abort();
      earlier.current = async () => {};
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [sessionId]);

  const loadEarlier = useCallback(() => earlier.current(), []);
  return { ...shown, loadEarlier, state, error };
}
