// The box for the next user message. The API takes at most 1 MiB; a longer text is refused
// here with that reason rather than sent to be refused. What is typed is kept as a draft
// (api/drafts.ts) until it is sent.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { loadDraft, saveDraft } from "../api/drafts";
import { ErrorNotice } from "../components/notices";

const kMaxBytes = 1024 * 1024;

export function Composer({ sessionId }: { sessionId: string }) {
  const [text, setTextState] = useState(() => loadDraft(sessionId));
  const setText = (value: string) => {
    setTextState(value);
    saveDraft(sessionId, value);
  };
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    if (text.trim() === "" || busy) return;
    if (new TextEncoder().encode(text).length > kMaxBytes) {
      setError(new Error("This message is longer than 1 MiB, the most a session message may hold."));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/sessions/${encodeURIComponent(sessionId)}/messages`, { payload: text });
      setText("");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <label for="composer-text">Message</label>
      <textarea
        id="composer-text"
        rows={3}
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void send();
          }
        }}
        aria-describedby="composer-hint"
      />
      <p id="composer-hint" class="hint">
        Ctrl+Enter sends.
      </p>
      <ErrorNotice error={error} />
      <button type="submit" disabled={busy || text.trim() === ""}>
        Send
      </button>
    </form>
  );
}
