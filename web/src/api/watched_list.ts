// A collection kept live: the watch stream is opened first and, once its headers arrive (the
// point from which it reports every change), the list is read; changes that arrived meanwhile
// are applied on top. A RESYNC (the server no longer holds our resume point) reads the list
// again. Reconnects resume with Last-Event-ID, so nothing is missed and nothing is re-listed.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api } from "./client";
import { StreamState, followStream } from "./stream";
import { List, ObjectMeta, WatchChange } from "./types";

export interface WatchedList<T> {
  items: T[] | undefined; // undefined until the first list arrives
  error: ApiError | undefined;
  state: StreamState;
}

// The newest 500 are listed (later slices page further). `query` is the collection's scope
// (e.g. "project_id=demo"), shared by the list and the watch.
export function useWatchedList<T extends ObjectMeta>(collection: string, query = ""): WatchedList<T> {
  const [items, setItems] = useState<T[] | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [state, setState] = useState<StreamState>("connecting");

  useEffect(() => {
    const abort = new AbortController();
    const byId = new Map<string, T>();
    let pending: WatchChange<T>[] | undefined = []; // changes held while a list is read
    const publish = () =>
      setItems([...byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)));
    const apply = (change: WatchChange<T>) => {
      if (change.type === "DELETED" && change.resource_id) byId.delete(change.resource_id);
      else if (change.object) byId.set(change.object.id, change.object);
    };
    const relist = async () => {
      pending = [];
      try {
        const list = await api<List<T>>("GET", `${collection}?size=500&orderBy=created_at%20desc&${query}`);
        byId.clear();
        for (const item of list.items) byId.set(item.id, item);
        for (const change of pending) apply(change);
        pending = undefined;
        setError(undefined);
        publish();
      } catch (e) {
        if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, String(e)));
      }
    };
    let listed = false;
    void followStream({
      path: `${collection}?watch=true&${query}`,
      signal: abort.signal,
      onOpen: () => {
        if (!listed) {
          listed = true;
          void relist();
        }
      },
      onState: (next, failure) => {
        setState(next);
        if (next === "failed" && failure) setError(failure);
      },
      onFrame: (frame) => {
        const change = JSON.parse(frame.data) as WatchChange<T>;
        if (change.type === "RESYNC") return void relist();
        if (pending) pending.push(change);
        else {
          apply(change);
          publish();
        }
      },
    });
    return () => abort.abort();
  }, [collection, query]);

  return { items, error, state };
}
