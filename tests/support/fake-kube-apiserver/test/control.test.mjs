// The process contract and the /__fake/* control endpoints: auth, injected failures and
// 403s, Pod status driving, object and request inspection, TLS, and exiting with its parent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startFake, namespace, pod, token } from "../test-support/harness.mjs";

let fake;
before(async () => {
  fake = await startFake({ args: ["--token", "other-token", "--token", token] });
  await fake.post("/api/v1/namespaces", namespace("ctl"));
});
after(() => fake.stop());

test("the listening line names 127.0.0.1 and the real port", () => {
  assert.match(fake.address, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(fake.address, "127.0.0.1:0");
});

test("a request without a valid bearer token is 401 Unauthorized; /__fake needs none", async () => {
  for (const auth of [undefined, "wrong"]) {
    const res = await fake.get("/api/v1/namespaces", { auth: auth ?? null });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized",
                                 reason: "Unauthorized", code: 401 });
  }
  assert.equal((await fake.get("/api/v1/namespaces", { auth: "other-token" })).status, 200, "any --token is accepted");
  assert.equal((await fake.get("/__fake/objects", { auth: null })).status, 200);
});

test("/__fake/fail answers the next `count` matching requests with the given Status", async () => {
  await fake.post("/api/v1/namespaces/ctl/pods", pod("failing"));
  const current = (await fake.get("/api/v1/namespaces/ctl/pods/failing")).body;
  const failed = await fake.post("/__fake/fail", { method: "PUT", path: "/pods/failing$", status: 409, count: 2, reason: "Conflict" });
  assert.equal(failed.status, 200);
  for (let i = 0; i < 2; i++) {
    const res = await fake.put("/api/v1/namespaces/ctl/pods/failing", current);
    assert.equal(res.status, 409);
    assert.equal(res.body.reason, "Conflict");
    assert.equal(res.body.kind, "Status");
  }
  assert.equal((await fake.get("/api/v1/namespaces/ctl/pods/failing")).status, 200, "other methods pass");
  assert.equal((await fake.put("/api/v1/namespaces/ctl/pods/failing", current)).status, 200, "the count is spent");
  await fake.post("/__fake/fail", { path: "^/api/v1/namespaces/ctl/secrets", status: 500 });
  const error = await fake.get("/api/v1/namespaces/ctl/secrets");
  assert.equal(error.status, 500);
  assert.equal(error.body.reason, "InternalError");
});

test("/__fake/forbid answers 403 Forbidden until /__fake/reset-forbid", async () => {
  await fake.post("/__fake/forbid", { verb: "create", resource: "pods", namespace: "ctl" });
  const res = await fake.post("/api/v1/namespaces/ctl/pods", pod("forbidden"));
  assert.equal(res.status, 403);
  assert.equal(res.body.reason, "Forbidden");
  assert.match(res.body.message, /cannot create resource "pods"/);
  assert.equal((await fake.get("/api/v1/namespaces/ctl/pods")).status, 200, "other verbs pass");
  await fake.post("/__fake/forbid", { verb: "list", resource: "*" });
  assert.equal((await fake.get("/api/v1/namespaces/ctl/secrets")).status, 403);
  assert.equal((await fake.post("/__fake/reset-forbid", {})).status, 200);
  assert.equal((await fake.post("/api/v1/namespaces/ctl/pods", pod("forbidden"))).status, 201);
  assert.equal((await fake.get("/api/v1/namespaces/ctl/secrets")).status, 200);
});

test("/__fake/pods/{ns}/{name}/status merges a partial status into the Pod", async () => {
  await fake.post("/api/v1/namespaces/ctl/pods", pod("driven"));
  const ready = {
    phase: "Running",
    conditions: [{ type: "Ready", status: "True" }],
    containerStatuses: [{ name: "runner", ready: true, restartCount: 0, image: "ambient-runner:test", imageID: "",
                          state: { running: { startedAt: "2026-01-01T00:00:00Z" } } }],
  };
  const res = await fake.post("/__fake/pods/ctl/driven/status", ready);
  assert.equal(res.status, 200);
  assert.equal(res.body.status.phase, "Running");
  const waiting = await fake.post("/__fake/pods/ctl/driven/status", {
    phase: "Pending",
    containerStatuses: [{ name: "runner", ready: false, restartCount: 3, image: "ambient-runner:test", imageID: "",
                          state: { waiting: { reason: "CrashLoopBackOff", message: "back-off" } } }],
  });
  assert.equal(waiting.body.status.containerStatuses[0].state.waiting.reason, "CrashLoopBackOff");
  assert.equal(waiting.body.status.conditions[0].type, "Ready", "fields not in the body are kept");
  assert.equal((await fake.get("/api/v1/namespaces/ctl/pods/driven")).body.status.phase, "Pending");
  assert.equal((await fake.post("/__fake/pods/ctl/absent/status", { phase: "Running" })).status, 404);
  assert.equal((await fake.post("/__fake/pods/ctl/driven/status", { phase: 7 })).status, 422, "a status is validated too");
});

test("/__fake/objects filters by kind and namespace; /__fake/requests lists and clears", async () => {
  const objects = (await fake.get("/__fake/objects?kind=Pod&namespace=ctl")).body;
  assert.ok(objects.length > 0);
  assert.ok(objects.every((o) => o.kind === "Pod" && o.metadata.namespace === "ctl"));
  const requests = (await fake.get("/__fake/requests")).body;
  const create = requests.find((r) => r.method === "POST" && r.path === "/api/v1/namespaces/ctl/pods" && r.status === 201);
  assert.deepEqual(create, { method: "POST", path: "/api/v1/namespaces/ctl/pods", query: {}, status: 201, contentType: "application/json" });
  assert.ok(requests.some((r) => r.status === 401));
  assert.equal((await fake.del("/__fake/requests")).status, 200);
  const after = (await fake.get("/__fake/requests")).body;
  assert.deepEqual(after.map((r) => r.path), ["/__fake/requests"]);
});

test("the fake exits when its stdin closes, and on SIGTERM", async () => {
  const child = (await startFake()).child;
  child.stdin.end();
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
  const other = await startFake();
  await other.stop();
  assert.equal(other.child.signalCode ?? other.child.exitCode, 0);
});

test("with --tls-cert and --tls-key it serves HTTPS", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kube-tls-"));
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  const secure = await startFake({ args: ["--token", token, "--tls-cert", cert, "--tls-key", key],
                                   tls: { ca: fs.readFileSync(cert) } });
  try {
    assert.match(secure.base, /^https:/);
    const res = await secure.post("/api/v1/namespaces", namespace("over-tls"));
    assert.equal(res.status, 201);
    assert.equal((await secure.get("/api/v1/namespaces/over-tls", { auth: null })).status, 401);
  } finally {
    await secure.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
