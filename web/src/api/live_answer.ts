// The agent's answer while it is being written: the session's live AG-UI events (relayed by
// the API server from its runner), folded into the text message in progress. The finished
// message arrives on the messages stream; until then this is what the chat shows, word by
// word. Followed only while the session runs, since before there is no runner to relay.
import { useEffect, useState } from "preact/hooks";
import { followStream } from "./stream";

export interface LiveAnswer {
  text: string;
  reasoning: string;
  ended: boolean; // TEXT_MESSAGE_END seen: the stored message is on its way
}

interface AguiEvent {
  type: string;
  delta?: string;
}

export function useLiveAnswer(sessionId: string, running: boolean): LiveAnswer | undefined {
  const [answer, setAnswer] = useState<LiveAnswer | undefined>(undefined);
  useEffect(() => {
    if (!running) return;
    const abort = new AbortController();
    let current: LiveAnswer | undefined;
    const update = (next: LiveAnswer | undefined) => {
      current = next;
      setAnswer(next);
    };
    void followStream({
      path: `/sessions/${encodeURIComponent(sessionId)}/events`,
      signal: abort.signal,
      onFrame: (frame) => {
        let event: AguiEvent;
        try {
          event = JSON.parse(frame.data) as AguiEvent;
        } catch {
          return;
        }
        const base = current && !current.ended ? current : { text: "", reasoning: "", ended: false };
        switch (event.type) {
          case "TEXT_MESSAGE_START":
            return update({ ...base, text: "" });
          case "TEXT_MESSAGE_CONTENT":
            return update({ ...base, text: base.text + (event.delta ?? "") });
          case "REASONING_MESSAGE_CONTENT":
            return update({ ...base, reasoning: base.reasoning + (event.delta ?? "") });
          case "TEXT_MESSAGE_END":
            return current && update({ ...current, ended: true });
          case "RUN_FINISHED":
          case "RUN_ERROR":
            return update(undefined);
        }
      },
    });
    return () => {
      abort.abort();
      setAnswer(undefined);
    };
  }, [sessionId, running]);
  return answer;
}
