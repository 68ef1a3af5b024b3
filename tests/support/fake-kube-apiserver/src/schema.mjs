// Checks a body against the official Kubernetes OpenAPI schema as compiled by the npm package
// `kubernetes-models`, and rejects every field that schema does not declare.
//
// The package's compiled validators do not set `additionalProperties: false`, so on their own
// they accept unknown fields. Rather than keep a second copy of the schemas, the fake runs the
// official validator on a recording Proxy of the body: a compiled validator reads every property
// its schema declares (`data.image`, `data.ports`, …) and enumerates the keys of map-typed values
// (labels, resources.limits). So for each object reached:
//   - keys enumerated by the validator → a map: any key is allowed;
//   - no property read at all → a free-form object (`x-kubernetes-preserve-unknown-fields`);
//   - otherwise every own key the validator did not read is an unknown field.

/** Returns a list of causes `{reason, message, field}`; empty when the body is valid. */
export function schemaCauses(model, body) {
  const records = new Map();
  const causes = [];
  try {
    model.prototype.validate.call(track(body, records));
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    for (const e of error.errors) causes.push(causeFromAjv(e));
  }
  findUnknown(body, "", records, causes);
  return causes;
}

function track(value, records) {
  if (value === null || typeof value !== "object") return value;
  let record = records.get(value);
  if (!record) {
    record = { read: new Set(), enumerated: false };
    records.set(value, record);
  }
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") record.read.add(key);
      return track(Reflect.get(target, key, receiver), records);
    },
    has(target, key) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function findUnknown(value, path, records, causes) {
  if (value === null || typeof value !== "object") return;
  const record = records.get(value);
  // Not reached by the validator: below an unknown field or past a schema error already reported.
  if (!record || record.enumerated) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => findUnknown(item, `${path}[${i}]`, records, causes));
    return;
  }
  if (record.read.size === 0) return;
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (!record.read.has(key)) {
      causes.push({ reason: "FieldValueInvalid", message: `unknown field "${field}"`, field });
    } else {
      findUnknown(value[key], field, records, causes);
    }
  }
}

/** `/spec/containers/0/image` → `spec.containers[0].image`, the way Kubernetes names fields. */
export function fieldPath(pointer) {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function causeFromAjv(e) {
  if (e.keyword === "required") {
    const field = fieldPath(`${e.instancePath}/${e.params.missingProperty}`);
    return { reason: "FieldValueRequired", message: "Required value", field };
  }
  const field = fieldPath(e.instancePath);
  if (e.keyword === "enum") {
    const allowed = e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ");
    return { reason: "FieldValueNotSupported", message: `Unsupported value: supported values: ${allowed}`, field };
  }
  return { reason: "FieldValueInvalid", message: `Invalid value: ${e.message ?? e.keyword}`, field };
}
