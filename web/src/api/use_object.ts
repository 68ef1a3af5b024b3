// One object read by GET when a page opens: its value, or the error (a 404 for whoever may
// not see it) for the page to show instead.
import { useEffect, useState } from "preact/hooks";
import { api } from "./client";

export function useObject<T>(path: string): { value: T | undefined; error: unknown; setValue: (value: T) => void } {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    setValue(undefined);
    setError(undefined);
    api<T>("GET", path).then(setValue, setError);
  }, [path]);
  return { value, error, setValue };
}
