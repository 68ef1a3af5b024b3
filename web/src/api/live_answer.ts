// The agent's answer while it is being written: the session's live AG-UI events (relayed by
// the API server from its runner), folded by foldAgui into the text message in progress and
// the run's tool calls. The stored messages arrive on the messages stream; until then this is
// what the chat shows. Followed only while the session runs, since before there is no runner
// to relay.
import { useEffect, useState } from "preact/hooks";
import { AguiEvent, LiveAnswer, foldAgui, kNoAnswer } from "./agui_fold";
import { followStream } from "./stream";

export type { LiveAnswer, LiveToolCall } from "./agui_fold";

export function useLiveAnswer(sessionId: string, running: boolean): LiveAnswer {
  const [answer, setAnswer] = useState<LiveAnswer>(kNoAnswer);
  useEffect(() => {
    if (!running) return;
    const abort = new AbortController();
    let current = kNoAnswer;
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
        const next = foldAgui(current, event);
        if (next !== current) setAnswer((current = next));
      },
    });
    return () => {
      abort.abort();
      setAnswer(kNoAnswer);
    };
  }, [sessionId, running]);
  return answer;
}
