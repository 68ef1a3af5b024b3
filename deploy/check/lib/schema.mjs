// Validation of one object against the official Kubernetes OpenAPI schemas, as compiled by the
// npm package kubernetes-models, plus what those schemas leave out:
// - unknown fields. The schemas do not set additionalProperties: false (an unknown field passes,
//   as the API server's non-strict decoding would drop it), so we watch which properties the
//   compiled validator reads: it reads every property its schema declares, and enumerates the
//   keys of maps (labels, data, resources.limits …). A key on an object it neither read nor
//   enumerated is a field the schema does not know, at any depth.
//   (A free-form object, one whose schema declares neither properties nor a map type, would have
//   every key reported; the built-in kinds keep those to CRD bodies and raw extensions, which
//   these manifests do not use.)
// - names: DNS-1123 where Kubernetes requires it (the schemas only say "string").
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const modelsRoot = path.dirname(require.resolve("kubernetes-models/package.json"));
const validators = new Map();

// The compiled validator of apiVersion/kind, or null for a kind kubernetes-models does not have.
async function validatorFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (validators.has(key)) return validators.get(key);
  let validate = null;
  if (/^[a-z0-9.\-]+(\/[a-z0-9]+)?$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    // Each model (apps/v1/Deployment.js) imports its validator from _schemas/<Name>.js.
    const modelFile = path.join(modelsRoot, apiVersion, `${kind}.js`);
    try {
      const source = await readFile(modelFile, "utf8");
      const match = /_schemas\/([A-Za-z0-9]+)\.js/.exec(source);
      if (match) {
        const mod = await import(pathToFileURL(path.join(modelsRoot, "_schemas", `${match[1]}.js`)).href);
        validate = mod.validate;
      }
    } catch (error) {
      if (error.code !== "ENOENT") throw error;
    }
  }
  validators.set(key, validate);
  return validate;
}

// A copy of value whose objects record the keys the validator reads or enumerates.
function instrument(value, fieldPath, nodes) {
  if (Array.isArray(value)) return value.map((item, i) => instrument(item, `${fieldPath}[${i}]`, nodes));
  if (value === null || typeof value !== "object") return value;
  const node = { fieldPath, keys: Object.keys(value), read: new Set(), enumerated: false };
  nodes.push(node);
  const copy = {};
  for (const key of node.keys) copy[key] = instrument(value[key], fieldPath ? `${fieldPath}.${key}` : key, nodes);
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string") node.read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") node.read.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === "string") node.read.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      node.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function ajvPathToField(instancePath) {
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

function describeAjvError(error) {
  const p = error.params ?? {};
  switch (error.keyword) {
    case "required":
      return { field: ajvPathToField(error.instancePath) || "(object)", message: `required field "${p.missingProperty}" is missing` };
    case "type":
      return { field: ajvPathToField(error.instancePath), message: `must be ${p.type}` };
    case "enum":
      return { field: ajvPathToField(error.instancePath), message: `must be one of ${JSON.stringify(p.allowedValues)}` };
    case "format":
      return { field: ajvPathToField(error.instancePath), message: `is not a valid ${p.format}` };
    default:
      return { field: ajvPathToField(error.instancePath), message: error.message ?? `fails ${error.keyword}` };
  }
}

// Returns [{field, message}] for one object: schema errors, else unknown fields.
export async function schemaProblems(object) {
  if (typeof object?.apiVersion !== "string" || typeof object?.kind !== "string") {
    return [{ field: "apiVersion/kind", message: "every object needs a string apiVersion and kind" }];
  }
  const validate = await validatorFor(object.apiVersion, object.kind);
  if (!validate) {
    return [{ field: "kind", message: `${object.apiVersion} ${object.kind} is not a kind of the Kubernetes API` }];
  }
  const nodes = [];
  const ok = validate(instrument(object, "", nodes));
  if (!ok) {
    // Sub-schemas tried by anyOf/oneOf report under the same path; one line per field is enough.
    const seen = new Set();
    return (validate.errors ?? [])
      .map(describeAjvError)
      .filter((problem) => !seen.has(problem.field + problem.message) && seen.add(problem.field + problem.message));
  }
  const problems = [];
  for (const node of nodes) {
    if (node.enumerated) continue;
    for (const key of node.keys) {
      if (!node.read.has(key)) {
        problems.push({
          field: node.fieldPath ? `${node.fieldPath}.${key}` : key,
          message: `unknown field "${key}" (not in the ${object.apiVersion} ${object.kind} schema)`,
        });
      }
    }
  }
  return problems;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Kinds whose names become DNS labels (a namespace, a Service's host name).
const labelNamedKinds = new Set(["Namespace", "Service"]);

export function isDnsLabel(name) {
  return typeof name === "string" && name.length <= 63 && dnsLabel.test(name);
}

export function isDnsSubdomain(name) {
  return typeof name === "string" && name.length <= 253 && dnsSubdomain.test(name);
}

// IANA_SVC_NAME, what a container or Service port name must be.
export function isPortName(name) {
  return typeof name === "string" && name.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) &&
    /[a-z]/.test(name) && !name.includes("--");
}

export function nameProblems(object) {
  const problems = [];
  const meta = object?.metadata ?? {};
  if (meta.name === undefined) {
    problems.push({ field: "metadata.name", message: "missing" });
  } else if (labelNamedKinds.has(object.kind) ? !isDnsLabel(meta.name) : !isDnsSubdomain(meta.name)) {
    const rule = labelNamedKinds.has(object.kind)
      ? "a DNS-1123 label (lower-case letters, digits and '-', at most 63)"
      : "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253)";
    problems.push({ field: "metadata.name", message: `"${meta.name}" is not ${rule}` });
  }
  if (meta.namespace !== undefined && !isDnsLabel(meta.namespace)) {
    problems.push({ field: "metadata.namespace", message: `"${meta.namespace}" is not a DNS-1123 label` });
  }
  return problems;
}
