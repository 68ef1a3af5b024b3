// Watches: synthetic ADDED, replay from a resourceVersion, 410 after compaction, bookmarks,
// selectors, timeouts and streams closed by the test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFake, namespace, pod } from "../test-support/harness.mjs";

let fake;
before(async () => { fake = await startFake(); });
after(() => fake.stop());

const pods = (ns) => `/api/v1/namespaces/${ns}/pods`;
const summary = (events) => events.map((e) => `${e.type} ${e.object.metadata.name}`);

async function freshNamespace(name) {
  await fake.post("/api/v1/namespaces", namespace(name));
}

test("without a resourceVersion a watch starts with ADDED for current objects, then goes live", async () => {
  await freshNamespace("watch-initial");
  await fake.post(pods("watch-initial"), pod("before"));
  const watch = await fake.watch(`${pods("watch-initial")}?watch=true`);
  assert.equal(watch.status, 200);
  assert.equal(watch.headers["content-type"], "application/json");
  assert.equal(watch.headers["transfer-encoding"], "chunked");
  assert.deepEqual(summary([await watch.next()]), ["ADDED before"]);
  await fake.post(pods("watch-initial"), pod("after"));
  await fake.post("/__fake/pods/watch-initial/after/status", { phase: "Running" });
  await fake.del(`${pods("watch-initial")}/before`);
  const events = await watch.take(3);
  assert.deepEqual(summary(events), ["ADDED after", "MODIFIED after", "DELETED before"]);
  assert.equal(events[1].object.status.phase, "Running");
  assert.equal(events[1].object.kind, "Pod");
  assert.ok(Number(events[2].object.metadata.resourceVersion) > Number(events[1].object.metadata.resourceVersion),
            "a DELETED event carries the deletion's resourceVersion");
  watch.close();
});

test("with a resourceVersion a watch replays every later event, then goes live", async () => {
  await freshNamespace("watch-replay");
  const first = (await fake.post(pods("watch-replay"), pod("one"))).body;
  await fake.post(pods("watch-replay"), pod("two"));
  await fake.patch(`${pods("watch-replay")}/one`, { metadata: { labels: { l: "v" } } }, "application/merge-patch+json");
  const watch = await fake.watch(`${pods("watch-replay")}?watch=1&resourceVersion=${first.metadata.resourceVersion}`);
  assert.deepEqual(summary(await watch.take(2)), ["ADDED two", "MODIFIED one"]);
  await fake.del(`${pods("watch-replay")}/two`);
  assert.deepEqual(summary([await watch.next()]), ["DELETED two"]);
  watch.close();
});

test("a resourceVersion older than the compacted history is one ERROR 410 Expired, then the end", async () => {
  await freshNamespace("watch-expired");
  const old = (await fake.post(pods("watch-expired"), pod("old"))).body.metadata.resourceVersion;
  await fake.post(pods("watch-expired"), pod("newer"));
  const compacted = await fake.post("/__fake/compact", {});
  assert.equal(compacted.status, 200);
  const watch = await fake.watch(`${pods("watch-expired")}?watch=true&resourceVersion=${old}`);
  const event = await watch.next();
  assert.equal(event.type, "ERROR");
  assert.equal(event.object.kind, "Status");
  assert.equal(event.object.code, 410);
  assert.equal(event.object.reason, "Expired");
  assert.match(event.object.message, /too old resource version/);
  assert.equal(await watch.next(), null, "the stream ends");
  // Resuming from the list's resourceVersion after a re-list works.
  const listed = await fake.get(pods("watch-expired"));
  const resumed = await fake.watch(`${pods("watch-expired")}?watch=true&resourceVersion=${listed.body.metadata.resourceVersion}`);
  await fake.post(pods("watch-expired"), pod("latest"));
  assert.deepEqual(summary([await resumed.next()]), ["ADDED latest"]);
  resumed.close();
});

test("BOOKMARK events go only to watches that allowed them", async () => {
  await freshNamespace("watch-bookmark");
  const allowed = await fake.watch(`${pods("watch-bookmark")}?watch=true&allowWatchBookmarks=true`);
  const plain = await fake.watch(`${pods("watch-bookmark")}?watch=true`);
  await fake.post("/__fake/bookmark", {});
  const bookmark = await allowed.next();
  assert.equal(bookmark.type, "BOOKMARK");
  assert.deepEqual(Object.keys(bookmark.object).sort(), ["apiVersion", "kind", "metadata"]);
  assert.equal(bookmark.object.kind, "Pod");
  assert.match(bookmark.object.metadata.resourceVersion, /^\d+$/);
  await fake.post(pods("watch-bookmark"), pod("after-bookmark"));
  assert.deepEqual(summary([await plain.next()]), ["ADDED after-bookmark"], "no BOOKMARK before it");
  allowed.close();
  plain.close();
});

test("/__fake/close-watches ends every open stream", async () => {
  await freshNamespace("watch-closed");
  const a = await fake.watch(`${pods("watch-closed")}?watch=true`);
  const b = await fake.watch("/api/v1/pods?watch=true&resourceVersion=0");
  await fake.post("/__fake/close-watches", {});
  assert.equal(await a.next(), null);
  // The all-namespaces watch first gets ADDED for every pod the other tests left.
  let event;
  do event = await b.next(); while (event !== null);
});

test("timeoutSeconds ends a watch cleanly", async () => {
  await freshNamespace("watch-timeout");
  const watch = await fake.watch(`${pods("watch-timeout")}?watch=true&timeoutSeconds=1`);
  assert.equal(await watch.next(3000), null);
});

test("watches honour label selectors, namespaces and other kinds", async () => {
  await freshNamespace("watch-filter");
  await freshNamespace("watch-elsewhere");
  const watch = await fake.watch(`${pods("watch-filter")}?watch=true&labelSelector=${encodeURIComponent("app=runner")}`);
  await fake.post(pods("watch-filter"), pod("unlabelled"));
  await fake.post(pods("watch-elsewhere"), pod("other-ns", { metadata: { labels: { app: "runner" } } }));
  await fake.post("/api/v1/namespaces/watch-filter/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { app: "runner" } } });
  await fake.post(pods("watch-filter"), pod("labelled", { metadata: { labels: { app: "runner" } } }));
  assert.deepEqual(summary([await watch.next()]), ["ADDED labelled"]);
  watch.close();
});

test("an object that enters a watch's label selection is ADDED to it, one that leaves is DELETED", async () => {
  await freshNamespace("watch-moves");
  const url = pods("watch-moves");
  await fake.post(url, pod("mover"));
  const watch = await fake.watch(`${url}?watch=true&labelSelector=${encodeURIComponent("phase=live")}`);
  const label = (value) => fake.patch(`${url}/mover`, { metadata: { labels: { phase: value } } }, "application/merge-patch+json");
  await label("live");
  await fake.patch(`${url}/mover`, { metadata: { annotations: { touched: "yes" } } }, "application/merge-patch+json");
  await label("gone");
  await label("elsewhere");
  await label("live");
  assert.deepEqual(summary(await watch.take(4)), ["ADDED mover", "MODIFIED mover", "DELETED mover", "ADDED mover"]);
  watch.close();
});

test("a request log records watches and every other request, without bodies or tokens", async () => {
  const log = (await fake.get("/__fake/requests")).body;
  const watchEntry = log.find((r) => r.query.watch === "true" && r.path === pods("watch-filter"));
  assert.deepEqual(Object.keys(watchEntry).sort(), ["contentType", "method", "path", "query", "status"]);
  assert.equal(watchEntry.status, 200);
  assert.ok(!JSON.stringify(log).includes("test-token"));
});
