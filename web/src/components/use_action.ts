// A user action that calls the API: busy while it runs, its error kept to be shown beside
// the control that started it.
import { useState } from "preact/hooks";

export interface Action {
  run: (work: () => Promise<unknown>) => Promise<boolean>; // true when it succeeded
  busy: boolean;
  error: unknown;
  setError: (error: unknown) => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}
