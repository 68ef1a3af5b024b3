// Rules of pkg/apis/core/validation that the OpenAPI schema cannot express and that a client of
// the real API server trips over: required container images, DNS-label container and port
// names, base64 Secret data. A subset, chosen for what the platform's runtime sends.
import { dns1123Label, configKey } from "./names.mjs";
import { valueCause, requiredCause as required } from "./status.mjs";


export function kindCauses(def, body) {
  switch (def.kind) {
    case "Pod": return podSpecCauses(body.spec, "spec");
    case "Secret": return [...dataKeyCauses(body.data, "data", true), ...dataKeyCauses(body.stringData, "stringData", false)];
    case "ConfigMap": return [...dataKeyCauses(body.data, "data", false), ...dataKeyCauses(body.binaryData, "binaryData", true)];
    case "Service": return serviceCauses(body.spec ?? {});
    default: return [];
  }
}

function podSpecCauses(spec, at) {
  if (!spec) return [required(at)];
  const causes = [];
  if (!spec.containers?.length) causes.push(required(`${at}.containers`));
  const seen = new Set();
  for (const [list, entries] of [["containers", spec.containers], ["initContainers", spec.initContainers]]) {
    (entries ?? []).forEach((c, i) => {
      const field = `${at}.${list}[${i}]`;
      const nameError = c.name ? dns1123Label(c.name) : null;
      if (!c.name) causes.push(required(`${field}.name`));
      else if (nameError) causes.push(valueCause(`${field}.name`, c.name, nameError));
      else if (seen.has(c.name)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${c.name}"`, field: `${field}.name` });
      seen.add(c.name);
      if (!c.image || !c.image.trim()) causes.push(required(`${field}.image`));
      (c.ports ?? []).forEach((p, j) => {
        if (p.name !== undefined && (p.name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) || !/[a-z]/.test(p.name))) {
          causes.push(valueCause(`${field}.ports[${j}].name`, p.name, "must be an IANA_SVC_NAME (at most 15 characters, lower case)"));
        }
        if (!(p.containerPort >= 1 && p.containerPort <= 65535)) {
          causes.push(valueCause(`${field}.ports[${j}].containerPort`, p.containerPort, "must be between 1 and 65535, inclusive"));
        }
      });
    });
  }
  const policies = ["Always", "OnFailure", "Never"];
  if (spec.restartPolicy !== undefined && !policies.includes(spec.restartPolicy)) {
    causes.push({ reason: "FieldValueNotSupported", field: `${at}.restartPolicy`,
                  message: `Unsupported value: "${spec.restartPolicy}": supported values: "Always", "Never", "OnFailure"` });
  }
  return causes;
}

function dataKeyCauses(data, at, base64) {
  const causes = [];
  for (const [key, value] of Object.entries(data ?? {})) {
    const keyError = configKey(key);
    if (keyError) causes.push(valueCause(`${at}[${key}]`, key, keyError));
    if (base64 && !isBase64(value)) causes.push(valueCause(`${at}[${key}]`, "<value>", "must be base64 encoded"));
  }
  return causes;
}

function isBase64(value) {
  return typeof value === "string" && value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}

function serviceCauses(spec) {
  const causes = [];
  const ports = spec.ports ?? [];
  if (ports.length === 0 && spec.type !== "ExternalName" && spec.clusterIP !== "None") causes.push(required("spec.ports"));
  ports.forEach((p, i) => {
    if (ports.length > 1 && !p.name) causes.push(required(`spec.ports[${i}].name`));
    const nameError = p.name ? dns1123Label(p.name) : null;
    if (nameError) causes.push(valueCause(`spec.ports[${i}].name`, p.name, nameError));
    if (!(p.port >= 1 && p.port <= 65535)) causes.push(valueCause(`spec.ports[${i}].port`, p.port, "must be between 1 and 65535, inclusive"));
  });
  return causes;
}

/**
 * The real API server forbids changing a Pod's spec after creation except a few fields;
 * the fake allows only container images and activeDeadlineSeconds to change.
 */
export function podUpdateCauses(oldSpec, newSpec) {
  const strip = (spec) => ({
    ...spec,
    activeDeadlineSeconds: undefined,
    containers: spec?.containers?.map((c) => ({ ...c, image: undefined })),
    initContainers: spec?.initContainers?.map((c) => ({ ...c, image: undefined })),
  });
  if (JSON.stringify(canonical(strip(oldSpec))) === JSON.stringify(canonical(strip(newSpec)))) return [];
  return [{ reason: "FieldValueForbidden", field: "spec",
            message: "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, " +
                     "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`" }];
}

/** Keys sorted and undefined dropped, so equal objects compare equal as JSON. */
export function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const key of Object.keys(value).sort()) if (value[key] !== undefined) out[key] = canonical(value[key]);
  return out;
}
