// Every body is checked against the official schemas, strictly, and against the name rules;
// one row per rejected body.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFake, namespace, pod, secret } from "../test-support/harness.mjs";

let fake;
before(async () => {
  fake = await startFake();
  await fake.post("/api/v1/namespaces", namespace("valid"));
});
after(() => fake.stop());

const withContainer = (fields) => pod("p", { spec: { containers: [{ name: "runner", image: "img", ...fields }] } });
const service = (name, spec) => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec });

// [what, url, body, expected status, expected field of the first cause (422 only), message part]
const rejected = [
  ["an unknown top-level field", "pods", { ...pod("p"), extra: 1 }, 422, "extra", 'unknown field "extra"'],
  ["an unknown field in a container", "pods", withContainer({ imagePullPolcy: "Always" }), 422,
   "spec.containers[0].imagePullPolcy", "unknown field"],
  ["an unknown field in metadata", "pods", pod("p", { metadata: { lables: { a: "b" } } }), 422, "metadata.lables", "unknown field"],
  ["an unknown field deep in a securityContext", "pods",
   withContainer({ securityContext: { capabilities: { drop: ["ALL"], dorp: [] } } }), 422,
   "spec.containers[0].securityContext.capabilities.dorp", "unknown field"],
  ["a capitalised name", "pods", pod("Session-1"), 422, "metadata.name", "RFC 1123"],
  ["a name with an underscore", "secrets", secret("bot_token"), 422, "metadata.name", "RFC 1123"],
  ["a missing container image", "pods", withContainer({ image: undefined }), 422, "spec.containers[0].image", "Required value"],
  ["a wrongly typed field", "pods", withContainer({ image: 42 }), 422, "spec.containers[0].image", "must be string"],
  ["a missing containers list", "pods", { ...pod("p"), spec: {} }, 422, "spec.containers", "Required value"],
  ["a bad restartPolicy", "pods", pod("p", { spec: { restartPolicy: "Sometimes" } }), 422, "spec.restartPolicy", "Unsupported value"],
  ["an upper-case container name", "pods", withContainer({ name: "Runner" }), 422, "spec.containers[0].name", "RFC 1123"],
  ["a bad label key", "pods", pod("p", { metadata: { labels: { "bad key": "v" } } }), 422, "metadata.labels", "name part"],
  ["a bad label value", "pods", pod("p", { metadata: { labels: { k: "-bad-" } } }), 422, "metadata.labels", "valid label"],
  ["a label value of 64 characters", "pods", pod("p", { metadata: { labels: { k: "a".repeat(64) } } }), 422, "metadata.labels", "63"],
  ["a Service name starting with a digit", "services", service("1session", { ports: [{ name: "agui", port: 8001 }] }), 422,
   "metadata.name", "DNS-1035"],
  ["a Service without ports", "services", service("s", {}), 422, "spec.ports", "Required value"],
  ["Secret data that is not base64", "secrets", { ...secret("s"), data: { "bot-token": "not base64!" } }, 422, "data.bot-token", "format \"byte\""],
  ["a missing name", "configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: {} }, 422, "metadata.name", "Required value"],
  ["a kind that does not match the URL", "secrets", pod("p"), 400, undefined, "does not match the expected kind"],
  ["an apiVersion that does not match the URL", "pods", { ...pod("p"), apiVersion: "v2" }, 400, undefined, "API version"],
  ["a namespace that does not match the URL", "pods", pod("p", { metadata: { namespace: "other" } }), 400, undefined, "namespace"],
  ["a body that is not JSON", "pods", "{not json", 400, undefined, "not JSON"],
];

for (const [what, resource, body, status, field, message] of rejected) {
  test(`create rejects ${what}`, async () => {
    const res = await fake.post(`/api/v1/namespaces/valid/${resource}`, body);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.kind, "Status");
    assert.equal(res.body.code, status);
    assert.ok(res.body.message.includes(message), res.body.message);
    if (status === 422) {
      assert.equal(res.body.reason, "Invalid");
      assert.equal(res.body.details.causes[0].field, field);
      assert.ok(res.body.message.includes(field), "the message names the field");
      for (const cause of res.body.details.causes) assert.deepEqual(Object.keys(cause).sort(), ["field", "message", "reason"]);
    }
  });
}

test("a namespace name must be a DNS-1123 label (no dots), other names may be subdomains", async () => {
  assert.equal((await fake.post("/api/v1/namespaces", namespace("a.b"))).status, 422);
  assert.equal((await fake.post("/api/v1/namespaces", namespace("Project"))).status, 422);
  assert.equal((await fake.post("/api/v1/namespaces/valid/configmaps",
                                { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a.b" } })).status, 201);
});

test("a full runner Pod, as the platform builds it, is accepted", async () => {
  const body = pod("session-abc", {
    metadata: { labels: { "ambient-code.io/session-id": "2BcDeFgHiJkLmNoPqRsTuVwXyZa" } },
    spec: {
      restartPolicy: "Never",
      serviceAccountName: "session-abc",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{
        name: "runner",
        image: "ambient-runner:test",
        env: [{ name: "SESSION_ID", value: "x" }],
        ports: [{ name: "agui", containerPort: 8001 }],
        resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "4Gi" } },
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        volumeMounts: [{ name: "bot-token", mountPath: "/var/run/secrets/ambient", readOnly: true }],
      }],
      volumes: [{ name: "bot-token", secret: { secretName: "session-abc", items: [{ key: "bot-token", path: "bot-token" }] } },
                { name: "tmp", emptyDir: {} }],
    },
  });
  const res = await fake.post("/api/v1/namespaces/valid/pods", body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
});

test("patch results and updates are validated too", async () => {
  await fake.post("/api/v1/namespaces/valid/pods", pod("checked"));
  const patched = await fake.patch("/api/v1/namespaces/valid/pods/checked", { metadata: { labels: { "bad key": "x" } } },
                                   "application/merge-patch+json");
  assert.equal(patched.status, 422);
  const current = (await fake.get("/api/v1/namespaces/valid/pods/checked")).body;
  const status = await fake.put("/api/v1/namespaces/valid/pods/checked/status", { ...current, status: { phase: 3 } });
  assert.equal(status.status, 422);
  const applied = await fake.patch("/api/v1/namespaces/valid/configmaps/cm?fieldManager=t",
                                   { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, date: {} },
                                   "application/apply-patch+yaml");
  assert.equal(applied.status, 422);
  assert.equal(applied.body.details.causes[0].field, "date");
});

// Bodies shaped like the ones the kubernetes runtime sends; each must be accepted as is.
const accepted = [
  ["/api/v1/namespaces/valid/services", {
    apiVersion: "v1", kind: "Service", metadata: { name: "session-abc", labels: { "ambient-code.io/session": "abc" } },
    spec: { type: "ClusterIP", selector: { "ambient-code.io/session": "abc" },
            ports: [{ name: "agui", port: 8001, targetPort: 8001, protocol: "TCP" }] } }],
  ["/apis/networking.k8s.io/v1/namespaces/valid/networkpolicies", {
    apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "session-abc" },
    spec: { podSelector: { matchLabels: { "ambient-code.io/session": "abc" } }, policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ambient" } },
                                 podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["api-server"] }] } }],
                        ports: [{ protocol: "TCP", port: 8001 }] }] } }],
  ["/apis/coordination.k8s.io/v1/namespaces/valid/leases", {
    apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "ambient-control-plane" },
    spec: { holderIdentity: "cp-0", leaseDurationSeconds: 15, leaseTransitions: 2,
            acquireTime: "2026-01-01T00:00:00.000000Z", renewTime: "2026-01-01T00:00:05.123456Z" } }],
  ["/api/v1/namespaces/valid/serviceaccounts", {
    apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "session-abc" }, automountServiceAccountToken: false }],
  ["/api/v1/namespaces/valid/configmaps", {
    apiVersion: "v1", kind: "ConfigMap", metadata: { name: "session-abc", annotations: { "ambient-code.io/note": "x" } },
    data: { "config.json": "{}" } }],
];

for (const [url, body] of accepted) {
  test(`a ${body.kind} as the runtime builds it is accepted`, async () => {
    const res = await fake.post(url, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
}
