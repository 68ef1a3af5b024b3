// The checker's own test: a good manifest passes, and each broken one is refused with the field
// named. Table-driven: a new rule is a row.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { checkRendered } from "../lib/check.mjs";
import { containerfileProblems } from "../lib/containerfile.mjs";
import { kustomizationProblems } from "../lib/kustomization.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

function goodDeployment() {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "ambient-api-server", namespace: "ambient", labels: { app: "x" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "x" } },
      template: {
        metadata: { labels: { app: "x" } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "server",
              image: "ambient-api-server:0.1.0",
              ports: [{ name: "http", containerPort: 8000 }],
              env: [{ name: "AMBIENT_DB_URL", valueFrom: { secretKeyRef: { name: "ambient-db", key: "url" } } }],
              resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [{ name: "tokens", mountPath: "/etc/ambient/tokens", readOnly: true }],
            },
          ],
          volumes: [{ name: "tokens", secret: { secretName: "ambient-api-tokens" } }],
        },
      },
    },
  };
}

const goodClusterRole = () => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: { name: "ambient-control-plane" },
  rules: [
    { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch", "create"] },
    { apiGroups: [""], resources: ["secrets"], verbs: ["get", "create", "update", "delete"] },
  ],
});

const container = (d) => d.spec.template.spec.containers[0];
const podField = "spec.template.spec.containers[0]";

async function problemsOf(object, { isBase = true } = {}) {
  const { problems } = await checkRendered(stringify(object), { kustomization: "test/base", isBase });
  return problems;
}

test("a good Deployment and a good ClusterRole pass", async () => {
  assert.deepEqual(await problemsOf(goodDeployment()), []);
  assert.deepEqual(await problemsOf(goodClusterRole()), []);
});

const broken = [
  {
    what: "an unknown top-level field",
    object: () => ({ ...goodDeployment(), extra: 1 }),
    field: "extra",
    message: /unknown field "extra"/,
  },
  {
    what: "an unknown field deep in a container",
    object: () => {
      const d = goodDeployment();
      container(d).readinesProbe = { httpGet: { path: "/healthcheck", port: 8000 } };
      return d;
    },
    field: `${podField}.readinesProbe`,
    message: /unknown field/,
  },
  {
    what: "an unknown field inside a list item of a nested object",
    object: () => {
      const d = goodDeployment();
      container(d).env[0].valueFrom.secretKeyRef.optinal = true;
      return d;
    },
    field: `${podField}.env[0].valueFrom.secretKeyRef.optinal`,
    message: /unknown field/,
  },
  {
    what: "a wrong type",
    object: () => ({ ...goodDeployment(), spec: { ...goodDeployment().spec, replicas: "two" } }),
    field: "spec.replicas",
    message: /must be integer/,
  },
  {
    what: "an upper-case name",
    object: () => {
      const d = goodDeployment();
      d.metadata.name = "Ambient-API";
      return d;
    },
    field: "metadata.name",
    message: /not a DNS-1123 subdomain/,
  },
  {
    what: "a Service name with a dot",
    object: () => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "session.abc" },
      spec: { ports: [{ name: "agui", port: 8001 }] },
    }),
    field: "metadata.name",
    message: /not a DNS-1123 label/,
  },
  {
    what: "a privileged container",
    object: () => {
      const d = goodDeployment();
      container(d).securityContext.privileged = true;
      return d;
    },
    field: `${podField}.securityContext.privileged`,
    message: /must not be true/,
  },
  {
    what: "a container that may run as root",
    object: () => {
      const d = goodDeployment();
      delete d.spec.template.spec.securityContext.runAsNonRoot;
      return d;
    },
    field: `${podField}.securityContext.runAsNonRoot`,
    message: /must be true/,
  },
  {
    what: "a writable root filesystem",
    object: () => {
      const d = goodDeployment();
      container(d).securityContext.readOnlyRootFilesystem = false;
      return d;
    },
    field: `${podField}.securityContext.readOnlyRootFilesystem`,
    message: /must be true/,
  },
  {
    what: "capabilities not dropped",
    object: () => {
      const d = goodDeployment();
      container(d).securityContext.capabilities.drop = ["NET_RAW"];
      return d;
    },
    field: `${podField}.securityContext.capabilities.drop`,
    message: /ALL/,
  },
  {
    what: "no seccomp profile",
    object: () => {
      const d = goodDeployment();
      delete d.spec.template.spec.securityContext.seccompProfile;
      return d;
    },
    field: `${podField}.securityContext.seccompProfile.type`,
    message: /RuntimeDefault/,
  },
  {
    what: "no memory limit",
    object: () => {
      const d = goodDeployment();
      delete container(d).resources.limits.memory;
      return d;
    },
    field: `${podField}.resources.limits.memory`,
    message: /must be set/,
  },
  {
    what: "an image without a tag",
    object: () => {
      const d = goodDeployment();
      container(d).image = "ambient-api-server";
      return d;
    },
    field: `${podField}.image`,
    message: /tag/,
  },
  {
    what: "a token as a literal env value",
    object: () => {
      const d = goodDeployment();
      container(d).env.push({ name: "AMBIENT_API_TOKEN", value: "0123456789abcdef0123456789abcdef" });
      return d;
    },
    field: `${podField}.env[1]`,
    message: /secretKeyRef/,
  },
  {
    what: "a database password on the command line",
    object: () => {
      const d = goodDeployment();
      container(d).args = ["serve", "--db-url=postgresql://ambient:hunter2@db:5432/ambient"];
      return d;
    },
    field: `${podField}.args`,
    message: /password/,
  },
  {
    what: "a Secret mounted with subPath",
    object: () => {
      const d = goodDeployment();
      container(d).volumeMounts[0].subPath = "tokens";
      return d;
    },
    field: `${podField}.volumeMounts[0].subPath`,
    message: /rotated/,
  },
  {
    what: "an inlined Secret in a base",
    object: () => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "ambient-api-tokens" }, stringData: { tokens: "x" } }),
    field: "stringData",
    message: /must not inline Secret values/,
  },
  {
    what: "a namespace delete verb",
    object: () => {
      const r = goodClusterRole();
      r.rules[0].verbs.push("delete");
      return r;
    },
    field: "rules[0].verbs",
    message: /never delete its project's namespace/,
  },
  {
    what: "a namespace deletecollection verb in a Role",
    object: () => ({ ...goodClusterRole(), kind: "Role", rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["deletecollection"] }] }),
    field: "rules[0].verbs",
    message: /deletecollection on namespaces/,
  },
  {
    what: "a wildcard verb",
    object: () => {
      const r = goodClusterRole();
      r.rules[1].verbs = ["*"];
      return r;
    },
    field: "rules[1].verbs",
    message: /"\*"/,
  },
  {
    what: "a kind the Kubernetes API does not have",
    object: () => ({ apiVersion: "apps/v1", kind: "Deploymint", metadata: { name: "x" } }),
    field: "kind",
    message: /not a kind/,
  },
];

for (const row of broken) {
  test(`refused: ${row.what}`, async () => {
    const problems = await problemsOf(row.object());
    const hit = problems.find((p) => p.field === row.field && row.message.test(p.message));
    assert.ok(hit, `expected a problem at ${row.field} matching ${row.message}, got ${JSON.stringify(problems, null, 1)}`);
    assert.match(hit.object, / /); // "Kind name"
  });
}

test("an overlay may carry a generated Secret; a base may not", async () => {
  const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "ambient-postgres" }, data: { password: "ZGV2" } };
  assert.deepEqual(await problemsOf(secret, { isBase: false }), []);
  assert.equal((await problemsOf(secret, { isBase: true })).length, 1);
});

const goodContainerfile = `
FROM docker.io/library/debian:12.9-slim AS build
RUN make
FROM docker.io/library/debian:12.9-slim
LABEL org.opencontainers.image.title="x"
COPY --from=build /src/bin/x /usr/local/bin/x
USER 65532:65532
EXPOSE 8000
ENTRYPOINT ["x"]
`;

const brokenContainerfiles = [
  ["a COPY --from of a stage that does not exist", (t) => t.replace("--from=build", "--from=builder"), /no earlier build stage/],
  ["a root USER", (t) => t.replace("USER 65532:65532", "USER 0"), /root/],
  ["a named USER", (t) => t.replace("USER 65532:65532", "USER ambient"), /numeric/],
  ["no USER", (t) => t.replace("USER 65532:65532\n", ""), /no USER/],
  ["ADD from a URL", (t) => t.replace("EXPOSE 8000", "ADD https://example.com/x.tgz /tmp/\nEXPOSE 8000"), /ADD from a URL/],
  ["an unpinned base image", (t) => t.replace("debian:12.9-slim AS build", "debian AS build"), /pin the base image/],
  ["a latest base image", (t) => t.replace("debian:12.9-slim\nLABEL", "debian:latest\nLABEL"), /pin the base image/],
  ["a secret in ENV", (t) => t.replace("EXPOSE 8000", "ENV AMBIENT_API_TOKEN=abc\nEXPOSE 8000"), /no secret values/],
  ["a single stage", (t) => t.split("\n").slice(3).join("\n").replace(/COPY --from=build.*\n/, ""), /multi-stage/],
];

test("a good Containerfile passes", () => {
  assert.deepEqual(containerfileProblems(goodContainerfile), []);
});

for (const [what, mutate, message] of brokenContainerfiles) {
  test(`Containerfile refused: ${what}`, () => {
    const problems = containerfileProblems(mutate(goodContainerfile));
    assert.ok(problems.some((p) => message.test(p.message)), JSON.stringify(problems));
  });
}

test("continuation lines are one instruction", () => {
  const text = goodContainerfile.replace("COPY --from=build", "COPY \\\n  --from=build");
  assert.deepEqual(containerfileProblems(text), []);
});

test("kustomize v2: a directory in resources and a newer field are refused", async () => {
  const problems = await kustomizationProblems({ resources: [".."], patches: [] }, here);
  assert.ok(problems.some((p) => p.field === "resources[0]" && /bases:/.test(p.message)));
  assert.ok(problems.some((p) => p.field === "patches"));
});

test("the command line names file, object and field, and exits 1", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "deploy-check-"));
  try {
    const base = path.join(dir, "base");
    await mkdir(base);
    await writeFile(path.join(base, "kustomization.yaml"), "resources:\n  - app.yaml\n");
    const d = goodDeployment();
    d.metadata.name = "Bad";
    await writeFile(path.join(base, "app.yaml"), stringify(d));
    const rendered = path.join(dir, "rendered.yaml");
    await writeFile(rendered, stringify(d));
    const run = promisify(execFile);
    const result = await run(process.execPath, [path.join(here, "..", "check.mjs"), "--sources", dir, "--rendered", `${base}=${rendered}`])
      .then(() => ({ code: 0, stdout: "" }), (error) => ({ code: error.code, stdout: error.stdout }));
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`^${path.join(base, "app.yaml")}: Deployment ambient/Bad: metadata.name: "Bad" is not`, "m"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
