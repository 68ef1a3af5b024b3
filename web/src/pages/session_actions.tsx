// Start, stop and delete, offered only in the phases where the API allows them (docs/api.md).
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Session } from "../api/types";
import { ErrorNotice } from "../components/notices";

const kStartable = new Set(["", "Stopped", "Completed", "Failed"]);
const kStoppable = new Set(["Pending", "Creating", "Running"]);

export function SessionActions({ session, onDeleted }: { session: Session; onDeleted?: () => void }) {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const phase = session.phase ?? "";
  const path = `/sessions/${encodeURIComponent(session.id)}`;
  const run = async (method: string, suffix: string, after?: () => void) => {
    setBusy(true);
    setError(undefined);
    try {
      await api(method, path + suffix);
      after?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const remove = () => {
    if (confirm(`Delete session “${session.name}”? Its conversation is deleted too.`)) {
      void run("DELETE", "", onDeleted);
    }
  };
  return (
    <div class="actions">
      {kStartable.has(phase) && (
        <button type="button" disabled={busy} onClick={() => void run("POST", "/start")} aria-label={`Start ${session.name}`}>
          Start
        </button>
      )}
      {kStoppable.has(phase) && (
        <button type="button" disabled={busy} onClick={() => void run("POST", "/stop")} aria-label={`Stop ${session.name}`}>
          Stop
        </button>
      )}
      <button type="button" class="danger" disabled={busy} onClick={remove} aria-label={`Delete ${session.name}`}>
        Delete
      </button>
      <ErrorNotice error={error} />
    </div>
  );
}
