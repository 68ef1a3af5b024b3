// Deleting an owner deletes what it owns (unless Orphan); deleting a Namespace empties it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFake, namespace, pod, secret, ownedBy } from "../test-support/harness.mjs";

let fake;
before(async () => { fake = await startFake(); });
after(() => fake.stop());

const names = async (kind, ns) =>
  (await fake.get(`/__fake/objects?kind=${kind}&namespace=${ns}`)).body.map((o) => o.metadata.name).sort();

/** A session's objects: a Secret anchor owning a ServiceAccount and a Pod, the Pod owning a ConfigMap. */
async function session(ns, name) {
  const anchor = (await fake.post(`/api/v1/namespaces/${ns}/secrets`, secret(name))).body;
  await fake.post(`/api/v1/namespaces/${ns}/serviceaccounts`,
                  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, ...ownedBy(anchor) } });
  const runner = (await fake.post(`/api/v1/namespaces/${ns}/pods`, pod(name, { metadata: ownedBy(anchor) }))).body;
  await fake.post(`/api/v1/namespaces/${ns}/configmaps`,
                  { apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...ownedBy(runner) } });
  return anchor;
}

for (const policy of ["Background", "Foreground", undefined]) {
  test(`deleting an owner with ${policy ?? "the default"} propagation deletes its dependents recursively`, async () => {
    const ns = `cascade-${(policy ?? "default").toLowerCase()}`;
    await fake.post("/api/v1/namespaces", namespace(ns));
    await session(ns, "doomed");
    await session(ns, "survivor");
    const query = policy ? `?propagationPolicy=${policy}` : "";
    assert.equal((await fake.del(`/api/v1/namespaces/${ns}/secrets/doomed${query}`)).status, 200);
    for (const kind of ["Secret", "ServiceAccount", "Pod", "ConfigMap"]) {
      assert.deepEqual(await names(kind, ns), ["survivor"], kind);
    }
    assert.equal((await fake.get(`/api/v1/namespaces/${ns}`)).status, 200, "the namespace stays");
  });
}

test("propagationPolicy in a DeleteOptions body is honoured too", async () => {
  await fake.post("/api/v1/namespaces", namespace("cascade-body"));
  await session("cascade-body", "kept");
  const res = await fake.request("DELETE", "/api/v1/namespaces/cascade-body/secrets/kept",
                                 { body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Orphan" } });
  assert.equal(res.status, 200);
  assert.deepEqual(await names("Pod", "cascade-body"), ["kept"]);
  const orphan = (await fake.get("/api/v1/namespaces/cascade-body/pods/kept")).body;
  assert.equal(orphan.metadata.ownerReferences, undefined, "Orphan removes the ownerReference");
});

test("a delete precondition on a stale resourceVersion is 409", async () => {
  await fake.post("/api/v1/namespaces", namespace("cascade-pre"));
  await fake.post("/api/v1/namespaces/cascade-pre/secrets", secret("s"));
  const res = await fake.request("DELETE", "/api/v1/namespaces/cascade-pre/secrets/s",
                                 { body: { preconditions: { resourceVersion: "1" } } });
  assert.equal(res.status, 409);
});

test("deleting a Namespace deletes everything in it and nothing elsewhere", async () => {
  await fake.post("/api/v1/namespaces", namespace("project-a"));
  await fake.post("/api/v1/namespaces", namespace("project-b"));
  await session("project-a", "one");
  await session("project-b", "two");
  const res = await fake.del("/api/v1/namespaces/project-a");
  assert.equal(res.status, 200);
  assert.equal(res.body.kind, "Namespace");
  assert.deepEqual((await fake.get("/__fake/objects?namespace=project-a")).body, []);
  assert.equal((await fake.get("/api/v1/namespaces/project-a")).status, 404);
  assert.deepEqual(await names("Pod", "project-b"), ["two"]);
});

test("delete collection by label selector", async () => {
  await fake.post("/api/v1/namespaces", namespace("cascade-collection"));
  for (const [name, app] of [["a", "x"], ["b", "x"], ["c", "y"]]) {
    await fake.post("/api/v1/namespaces/cascade-collection/pods", pod(name, { metadata: { labels: { app } } }));
  }
  const res = await fake.del("/api/v1/namespaces/cascade-collection/pods?labelSelector=app%3Dx");
  assert.equal(res.body.kind, "PodList");
  assert.deepEqual(res.body.items.map((p) => p.metadata.name), ["a", "b"]);
  assert.deepEqual(await names("Pod", "cascade-collection"), ["c"]);
});

test("a cascade is seen by watchers: Background sends the owner's DELETED first, Foreground the dependents'", async () => {
  await fake.post("/api/v1/namespaces", namespace("cascade-order"));
  for (const [policy, first] of [["Background", "Secret"], ["Foreground", "Pod"]]) {
    const name = policy.toLowerCase();
    await session("cascade-order", name);
    const secrets = await fake.watch(`/api/v1/namespaces/cascade-order/secrets?watch=true&resourceVersion=${await currentVersion()}`);
    const pods = await fake.watch(`/api/v1/namespaces/cascade-order/pods?watch=true&resourceVersion=${await currentVersion()}`);
    await fake.del(`/api/v1/namespaces/cascade-order/secrets/${name}?propagationPolicy=${policy}`);
    const [secretEvent, podEvent] = [await secrets.next(), await pods.next()];
    assert.equal(secretEvent.type, "DELETED");
    assert.equal(podEvent.type, "DELETED");
    const order = Number(secretEvent.object.metadata.resourceVersion) < Number(podEvent.object.metadata.resourceVersion)
      ? "Secret" : "Pod";
    assert.equal(order, first, policy);
    secrets.close();
    pods.close();
  }
});

async function currentVersion() {
  return (await fake.get("/api/v1/namespaces")).body.metadata.resourceVersion;
}
