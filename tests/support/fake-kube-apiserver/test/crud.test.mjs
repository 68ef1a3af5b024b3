// Create, get, list, update, patch, apply and delete over real HTTP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFake, namespace, pod, secret } from "../test-support/harness.mjs";

let fake;
const pods = "/api/v1/namespaces/crud/pods";
before(async () => {
  fake = await startFake();
  assert.equal((await fake.post("/api/v1/namespaces", namespace("crud"))).status, 201);
});
after(() => fake.stop());

test("create sets server metadata and a Pending status", async () => {
  const res = await fake.post(pods, pod("created"));
  assert.equal(res.status, 201);
  const meta = res.body.metadata;
  assert.match(meta.uid, /^[0-9a-f-]{36}$/);
  assert.match(meta.resourceVersion, /^\d+$/);
  assert.match(meta.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(meta.generation, 1);
  assert.equal(meta.namespace, "crud");
  assert.deepEqual(res.body.status, { phase: "Pending" });
  assert.equal((await fake.post(pods, pod("created"))).body.reason, "AlreadyExists");
});

test("get answers the object, or 404 NotFound", async () => {
  await fake.post(pods, pod("got"));
  const res = await fake.get(`${pods}/got`);
  assert.equal(res.status, 200);
  assert.equal(res.body.kind, "Pod");
  const missing = await fake.get(`${pods}/nope`);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, {
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'pods "nope" not found', reason: "NotFound",
    details: { name: "nope", group: "", kind: "pods" }, code: 404,
  });
});

test("a namespaced create into a missing namespace is 404", async () => {
  const res = await fake.post("/api/v1/namespaces/absent/pods", pod("p"));
  assert.equal(res.status, 404);
  assert.equal(res.body.message, 'namespaces "absent" not found');
});

test("list carries the kind of each item, a resourceVersion, and pages with limit/continue", async () => {
  for (const name of ["list-a", "list-b", "list-c"]) {
    await fake.post(pods, pod(name, { metadata: { labels: { group: "listed" } } }));
  }
  const all = await fake.get(`${pods}?labelSelector=group%3Dlisted`);
  assert.equal(all.body.kind, "PodList");
  assert.equal(all.body.apiVersion, "v1");
  assert.match(all.body.metadata.resourceVersion, /^\d+$/);
  assert.deepEqual(all.body.items.map((p) => [p.kind, p.apiVersion, p.metadata.name]),
                   [["Pod", "v1", "list-a"], ["Pod", "v1", "list-b"], ["Pod", "v1", "list-c"]]);
  const first = await fake.get(`${pods}?labelSelector=group%3Dlisted&limit=2`);
  assert.equal(first.body.items.length, 2);
  assert.equal(first.body.metadata.remainingItemCount, 1);
  const rest = await fake.get(`${pods}?labelSelector=group%3Dlisted&limit=2&continue=${first.body.metadata.continue}`);
  assert.deepEqual(rest.body.items.map((p) => p.metadata.name), ["list-c"]);
  const everywhere = await fake.get("/api/v1/pods?fieldSelector=metadata.name%3Dlist-b");
  assert.deepEqual(everywhere.body.items.map((p) => p.metadata.namespace), ["crud"]);
});

test("label and field selectors: equality, inequality, existence, sets", async () => {
  const ns = "/api/v1/namespaces/crud/configmaps";
  const cm = (name, labels) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels } });
  await fake.post(ns, cm("sel-1", { app: "a", tier: "x" }));
  await fake.post(ns, cm("sel-2", { app: "b" }));
  await fake.post(ns, cm("sel-3", { other: "c" }));
  const cases = [
    ["app=a", ["sel-1"]], ["app==b", ["sel-2"]], ["app!=a", ["sel-2", "sel-3"]], ["app", ["sel-1", "sel-2"]],
    ["!app", ["sel-3"]], ["app,tier=x", ["sel-1"]], ["app in (a,b)", ["sel-1", "sel-2"]], ["app notin (a)", ["sel-2", "sel-3"]],
  ];
  for (const [selector, names] of cases) {
    const res = await fake.get(`${ns}?labelSelector=${encodeURIComponent(selector)}`);
    assert.deepEqual(res.body.items.map((o) => o.metadata.name), names, selector);
  }
  const byField = await fake.get(`${ns}?fieldSelector=${encodeURIComponent("metadata.name!=sel-1,metadata.namespace=crud")}`);
  assert.deepEqual(byField.body.items.map((o) => o.metadata.name), ["sel-2", "sel-3"]);
  const phase = await fake.get(`/api/v1/pods?fieldSelector=${encodeURIComponent("status.phase=Running")}`);
  assert.deepEqual(phase.body.items, []);
});

test("update is unconditional without resourceVersion and 409 Conflict with a stale one", async () => {
  const created = (await fake.post(pods, pod("updated"))).body;
  const changed = structuredClone(created);
  changed.metadata.labels = { changed: "yes" };
  const res = await fake.put(`${pods}/updated`, changed);
  assert.equal(res.status, 200);
  assert.ok(Number(res.body.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  const stale = await fake.put(`${pods}/updated`, changed);
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, "Conflict");
  delete changed.metadata.resourceVersion;
  assert.equal((await fake.put(`${pods}/updated`, changed)).status, 200);
  assert.equal((await fake.put(`${pods}/never-created`, pod("never-created"))).status, 404);
});

test("updates of a Pod keep its status, and only /status changes it", async () => {
  await fake.post(pods, pod("kept"));
  const body = pod("kept");
  body.status = { phase: "Succeeded" };
  assert.equal((await fake.put(`${pods}/kept`, body)).body.status.phase, "Pending");
  const current = (await fake.get(`${pods}/kept`)).body;
  current.status = { phase: "Running" };
  const res = await fake.put(`${pods}/kept/status`, current);
  assert.equal(res.body.status.phase, "Running");
  const spec = await fake.put(`${pods}/kept`, pod("kept", { spec: { restartPolicy: "Always" } }));
  assert.equal(spec.status, 422, "a Pod's spec is immutable but for images");
});

test("merge patch and strategic merge patch merge maps and replace lists", async () => {
  await fake.post("/api/v1/namespaces/crud/secrets", secret("patched", { metadata: { labels: { a: "1", b: "2" } } }));
  const res = await fake.patch("/api/v1/namespaces/crud/secrets/patched",
                               { metadata: { labels: { a: null, c: "3" } }, data: { extra: "eA==" } }, "application/merge-patch+json");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.metadata.labels, { b: "2", c: "3" });
  assert.deepEqual(Object.keys(res.body.data).sort(), ["bot-token", "extra"]);
  const smp = await fake.patch("/api/v1/namespaces/crud/secrets/patched", { metadata: { labels: { d: "4" } } },
                               "application/strategic-merge-patch+json");
  assert.equal(smp.body.metadata.labels.d, "4");
  const stale = await fake.patch("/api/v1/namespaces/crud/secrets/patched", { metadata: { resourceVersion: "1" } },
                                 "application/merge-patch+json");
  assert.equal(stale.status, 409);
  const jsonPatch = await fake.patch("/api/v1/namespaces/crud/secrets/patched", [], "application/json-patch+json");
  assert.equal(jsonPatch.status, 415);
});

test("server-side apply needs a fieldManager, creates when absent and merges when present", async () => {
  const url = "/api/v1/namespaces/crud/serviceaccounts/applied";
  const body = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "applied" }, automountServiceAccountToken: false };
  const noManager = await fake.patch(url, body, "application/apply-patch+yaml");
  assert.equal(noManager.status, 422);
  assert.equal(noManager.body.details.causes[0].field, "fieldManager");
  const created = await fake.patch(`${url}?fieldManager=test`, body, "application/apply-patch+yaml");
  assert.equal(created.status, 201);
  body.metadata.labels = { applied: "twice" };
  const merged = await fake.patch(`${url}?fieldManager=test&force=true`, body, "application/apply-patch+yaml");
  assert.equal(merged.status, 200);
  assert.equal(merged.body.metadata.labels.applied, "twice");
  assert.equal(merged.body.metadata.uid, created.body.metadata.uid);
});

test("Secret stringData is stored as base64 data", async () => {
  const body = { apiVersion: "v1", kind: "Secret", metadata: { name: "strings" }, stringData: { "bot-token": "abc" } };
  const res = await fake.post("/api/v1/namespaces/crud/secrets", body);
  assert.deepEqual(res.body.data, { "bot-token": Buffer.from("abc").toString("base64") });
  assert.equal(res.body.stringData, undefined);
});

test("delete returns the object and a second delete is 404", async () => {
  await fake.post(pods, pod("deleted"));
  const res = await fake.del(`${pods}/deleted`);
  assert.equal(res.status, 200);
  assert.equal(res.body.metadata.name, "deleted");
  assert.equal((await fake.del(`${pods}/deleted`)).status, 404);
});

test("grouped resources: NetworkPolicy and Lease", async () => {
  const policy = {
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "agui" },
    spec: { podSelector: { matchLabels: { session: "s" } }, policyTypes: ["Ingress"],
            ingress: [{ ports: [{ port: 8001, protocol: "TCP" }] }] },
  };
  assert.equal((await fake.post("/apis/networking.k8s.io/v1/namespaces/crud/networkpolicies", policy)).status, 201);
  const lease = {
    apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "leader" },
    spec: { holderIdentity: "cp-1", leaseDurationSeconds: 15, renewTime: "2026-01-01T00:00:00.000000Z" },
  };
  const res = await fake.post("/apis/coordination.k8s.io/v1/namespaces/crud/leases", lease);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const listed = await fake.get("/apis/coordination.k8s.io/v1/leases");
  assert.equal(listed.body.kind, "LeaseList");
  assert.equal(listed.body.apiVersion, "coordination.k8s.io/v1");
  assert.equal((await fake.get("/apis/coordination.k8s.io/v1/namespaces/crud/pods")).status, 404);
});

test("a Namespace starts Active and its status changes only through /status", async () => {
  const created = (await fake.post("/api/v1/namespaces", namespace("ns-status"))).body;
  assert.deepEqual(created.status, { phase: "Active" });
  const res = await fake.put("/api/v1/namespaces/ns-status/status", { ...created, status: { phase: "Terminating" } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status.phase, "Terminating");
  assert.equal((await fake.get("/api/v1/namespaces/ns-status/nothing")).status, 404);
});

test("a Service gets a type and a cluster IP, kept when an update leaves them out", async () => {
  const body = { apiVersion: "v1", kind: "Service", metadata: { name: "session-x" }, spec: { ports: [{ name: "agui", port: 8001 }] } };
  const created = (await fake.post("/api/v1/namespaces/crud/services", body)).body;
  assert.equal(created.spec.type, "ClusterIP");
  assert.match(created.spec.clusterIP, /^10\.96\.\d+\.\d+$/);
  const updated = (await fake.put("/api/v1/namespaces/crud/services/session-x", body)).body;
  assert.equal(updated.spec.clusterIP, created.spec.clusterIP);
});

test("discovery: /version, /api, /apis", async () => {
  assert.equal((await fake.get("/version")).body.major, "1");
  assert.deepEqual((await fake.get("/api")).body.versions, ["v1"]);
  const groups = (await fake.get("/apis")).body.groups.map((g) => g.name).sort();
  assert.deepEqual(groups, ["coordination.k8s.io", "networking.k8s.io"]);
});
