// Every body the fake stores passes through `validateObject`: the envelope must match the URL
// (400 BadRequest, as the real API server answers), then the official schema, unknown fields,
// metadata syntax and the kind's own rules must hold (422 Invalid with one cause per field).
import { badRequest, invalid, valueCause } from "./status.mjs";
import { schemaCauses } from "./schema.mjs";
import { nameRules, qualifiedName, labelValue } from "./names.mjs";
import { kindCauses } from "./kinds.mjs";

/**
 * `where` = { namespace, name }: what the URL says (name is undefined on create).
 * Throws a KubeError; returns nothing.
 */
export function validateObject(def, body, where) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest(`the body of the request must be a ${def.kind} object`);
  }
  if (body.kind !== def.kind) {
    throw badRequest(`the kind in the data (${body.kind ?? ""}) does not match the expected kind (${def.kind})`);
  }
  if (body.apiVersion !== def.apiVersion) {
    throw badRequest(`the API version in the data (${body.apiVersion ?? ""}) does not match ` +
                     `the expected API version (${def.apiVersion})`);
  }
  const meta = body.metadata;
  if (meta?.namespace !== undefined && def.namespaced && meta.namespace !== where.namespace) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  if (where.name !== undefined && meta?.name !== undefined && meta.name !== where.name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${where.name})`);
  }

  const causes = schemaCauses(def.model, body);
  if (causes.length === 0) {
    causes.push(...metadataCauses(def, meta ?? {}));
    causes.push(...kindCauses(def, body));
  }
  if (causes.length > 0) throw invalid(def, meta?.name, causes);
}

function metadataCauses(def, meta) {
  const causes = [];
  if (!meta.name) {
    causes.push({ reason: "FieldValueRequired", message: "Required value: name or generateName is required",
                  field: "metadata.name" });
  } else {
    const error = nameRules[def.nameRule](meta.name);
    if (error) causes.push(valueCause("metadata.name", meta.name, error));
  }
  if (def.namespaced === false && meta.namespace) {
    causes.push(valueCause("metadata.namespace", meta.namespace, "not allowed on this type"));
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    const keyError = qualifiedName(key);
    if (keyError) causes.push(valueCause("metadata.labels", key, keyError));
    const valueError = labelValue(value);
    if (valueError) causes.push(valueCause(`metadata.labels`, value, valueError));
  }
  for (const key of Object.keys(meta.annotations ?? {})) {
    const keyError = qualifiedName(key.toLowerCase());
    if (keyError) causes.push(valueCause("metadata.annotations", key, keyError));
  }
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    if (!ref.uid) causes.push({ reason: "FieldValueRequired", message: "Required value", field: `metadata.ownerReferences[${i}].uid` });
  });
  return causes;
}
