// `?watch=true`: a chunked stream of newline-delimited JSON events, replayed from history after
// a resourceVersion or started with synthetic ADDED events, then live until the client leaves,
// `timeoutSeconds` passes, or a test closes every watch.
import { parseLabelSelector, parseFieldSelector } from "./selectors.mjs";
import { gone, statusBody } from "./status.mjs";

export function startWatch(store, def, namespace, query, res, onHeaders) {
  const labels = parseLabelSelector(query.get("labelSelector"));
  const fields = parseFieldSelector(query.get("fieldSelector"));
  const selected = (object) => labels(object) && fields(object);
  // As the real watch cache does, a modification that moves an object into the selection is
  // ADDED for this watch, and one that moves it out is DELETED.
  const typeFor = (event) => {
    if (event.def !== def || (namespace !== undefined && event.object.metadata.namespace !== namespace)) return null;
    const now = selected(event.object);
    if (event.type !== "MODIFIED") return now ? event.type : null;
    const before = event.previous ? selected(event.previous) : now;
    if (before && now) return "MODIFIED";
    if (now) return "ADDED";
    return before ? "DELETED" : null;
  };
  // A client may leave between an event and its write; writing to a destroyed stream would throw.
  const send = (type, object) => {
    if (!res.destroyed && !res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const forward = (event) => {
    const type = typeFor(event);
    if (type) send(type, event.object);
  };

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache" });
  // A watch with nothing to replay must still answer at once: clients wait for the headers.
  res.flushHeaders();
  onHeaders(200);

  const rvText = query.get("resourceVersion");
  const rv = rvText && rvText !== "0" ? Number(rvText) : undefined;
  if (rv !== undefined) {
    const events = Number.isFinite(rv) ? store.since(rv) : null;
    if (events === null) {
      const error = gone(`too old resource version: ${rvText} (${store.horizon})`);
      send("ERROR", statusBody(error.code, error.reason, error.message));
      res.end();
      return;
    }
    for (const e of events) forward(e);
  } else {
    for (const { object } of store.list(def, namespace)) {
      if (selected(object)) send("ADDED", object);
    }
  }

  const watcher = {
    bookmarks: ["true", "1"].includes(query.get("allowWatchBookmarks")),
    offer: forward,
    bookmark() {
      if (this.bookmarks) send("BOOKMARK", { kind: def.kind, apiVersion: def.apiVersion,
                                             metadata: { resourceVersion: String(store.resourceVersion) } });
    },
    close() {
      res.end();
    },
  };
  store.watchers.add(watcher);
  const timeout = Number(query.get("timeoutSeconds") ?? 0);
  const timer = timeout > 0 ? setTimeout(() => watcher.close(), timeout * 1000) : undefined;
  const forget = () => {
    clearTimeout(timer);
    store.watchers.delete(watcher);
  };
  res.on("close", forget);
  res.on("finish", forget);
}
