// The rules that matter to this project, beyond the schemas (docs/kubernetes.md, "deploy-check"):
// hardened Pods, no secret values where they do not belong, least-privilege RBAC.
import { isDnsLabel, isPortName } from "./schema.mjs";

// Where each workload kind keeps its Pod spec.
const podSpecPaths = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

const secretLikeName = /(TOKEN|PASSWORD|PASSWD|SECRET|KEYRING|API_KEY|PRIVATE_KEY|CREDENTIAL)/i;
// A URL that carries a password: postgresql://user:password@host …
const urlWithPassword = /[a-z][a-z0-9+.\-]*:\/\/[^\s/:@]+:[^\s/@]+@/i;

function podSpecOf(object) {
  const at = podSpecPaths[object.kind];
  if (!at) return null;
  let spec = object;
  for (const key of at) spec = spec?.[key];
  return spec && typeof spec === "object" ? { spec, field: at.join(".") } : null;
}

function imageIsPinned(image) {
  if (typeof image !== "string" || image === "") return false;
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  return colon > 0 && lastSegment.slice(colon + 1) !== "" && lastSegment.slice(colon + 1) !== "latest";
}

function containerProblems(pod, container, field) {
  const problems = [];
  const add = (f, message) => problems.push({ field: `${field}.${f}`, message });
  const podSc = pod.securityContext ?? {};
  const sc = container.securityContext ?? {};
  if (typeof container.name !== "string" || !isDnsLabel(container.name)) {
    add("name", `"${container.name}" is not a DNS-1123 label`);
  }
  if (!imageIsPinned(container.image)) add("image", `"${container.image}" must name a tag other than latest, or a digest`);
  const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  if (runAsNonRoot !== true) add("securityContext.runAsNonRoot", "must be true (here or in the Pod's securityContext)");
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  if (runAsUser === 0) add("securityContext.runAsUser", "must not be 0 (root)");
  if (sc.privileged === true) add("securityContext.privileged", "must not be true");
  if (sc.allowPrivilegeEscalation !== false) add("securityContext.allowPrivilegeEscalation", "must be false");
  if (sc.readOnlyRootFilesystem !== true) add("securityContext.readOnlyRootFilesystem", "must be true");
  const drop = sc.capabilities?.drop ?? [];
  if (!drop.includes("ALL")) add("securityContext.capabilities.drop", 'must include "ALL"');
  if ((sc.capabilities?.add ?? []).length > 0) add("securityContext.capabilities.add", "must be empty");
  const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
  if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
    add("securityContext.seccompProfile.type", "must be RuntimeDefault (here or in the Pod's securityContext)");
  }
  for (const part of ["requests", "limits"]) {
    for (const resource of ["cpu", "memory"]) {
      if (container.resources?.[part]?.[resource] === undefined) add(`resources.${part}.${resource}`, "must be set");
    }
  }
  (container.ports ?? []).forEach((port, i) => {
    if (port.name !== undefined && !isPortName(port.name)) add(`ports[${i}].name`, `"${port.name}" is not a valid port name`);
  });
  (container.env ?? []).forEach((env, i) => {
    if (env.value !== undefined && secretLikeName.test(env.name ?? "")) {
      add(`env[${i}]`, `${env.name} holds a literal value: reference a Secret (valueFrom.secretKeyRef)`);
    }
    if (typeof env.value === "string" && urlWithPassword.test(env.value)) {
      add(`env[${i}].value`, "a URL with a password: reference a Secret (valueFrom.secretKeyRef)");
    }
  });
  [...(container.command ?? []), ...(container.args ?? [])].forEach((arg) => {
    if (typeof arg === "string" && urlWithPassword.test(arg)) {
      add("args", "a URL with a password on the command line (seen by ps): pass it in the environment from a Secret");
    }
  });
  const secretVolumes = new Set((pod.volumes ?? []).filter((v) => v.secret || v.projected).map((v) => v.name));
  (container.volumeMounts ?? []).forEach((mount, i) => {
    if (mount.subPath !== undefined && secretVolumes.has(mount.name)) {
      add(`volumeMounts[${i}].subPath`, "a Secret mounted with subPath never sees a rotated value: mount the directory");
    }
  });
  return problems;
}

export function podProblems(object) {
  const found = podSpecOf(object);
  if (!found) return [];
  const { spec, field } = found;
  const problems = [];
  for (const flag of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (spec[flag] === true) problems.push({ field: `${field}.${flag}`, message: "must not be true" });
  }
  (spec.volumes ?? []).forEach((volume, i) => {
    if (!isDnsLabel(volume.name)) problems.push({ field: `${field}.volumes[${i}].name`, message: `"${volume.name}" is not a DNS-1123 label` });
    if (volume.hostPath) problems.push({ field: `${field}.volumes[${i}].hostPath`, message: "no hostPath volumes" });
  });
  for (const list of ["initContainers", "containers"]) {
    (spec[list] ?? []).forEach((container, i) => {
      problems.push(...containerProblems(spec, container, `${field}.${list}[${i}]`));
    });
  }
  return problems;
}

// A Secret in a base must hold no value: its values are created by whoever installs.
export function secretProblems(object, { isBase }) {
  if (object.kind !== "Secret" || !isBase) return [];
  const problems = [];
  for (const field of ["data", "stringData"]) {
    if (object[field] && Object.keys(object[field]).length > 0) {
      problems.push({ field, message: "a base must not inline Secret values: reference a Secret the installer creates" });
    }
  }
  return problems;
}

export function rbacProblems(object) {
  if (object.kind !== "ClusterRole" && object.kind !== "Role") return [];
  const problems = [];
  (object.rules ?? []).forEach((rule, i) => {
    const field = `rules[${i}]`;
    for (const list of ["verbs", "resources", "apiGroups", "nonResourceURLs"]) {
      if ((rule[list] ?? []).includes("*")) problems.push({ field: `${field}.${list}`, message: 'must not grant "*"' });
    }
    const core = (rule.apiGroups ?? []).includes("");
    const namespaces = (rule.resources ?? []).includes("namespaces");
    const deletes = (rule.verbs ?? []).filter((verb) => verb === "delete" || verb === "deletecollection");
    if (core && namespaces && deletes.length > 0) {
      problems.push({
        field: `${field}.verbs`,
        message: `must not grant ${deletes.join(", ")} on namespaces: a session must never delete its project's namespace`,
      });
    }
  });
  return problems;
}
