// Kubernetes `Status` objects: the body of every error the fake answers, built the way the
// real API server builds them, so a client's error mapping is exercised on the real shape.

/** An error that becomes a `Status` response; thrown anywhere below the router. */
export class KubeError extends Error {
  constructor(code, reason, message, details) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus() {
    return statusBody(this.code, this.reason, this.message, this.details);
  }
}

export function statusBody(code, reason, message, details) {
  const body = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason };
  if (details) body.details = details;
  body.code = code;
  return body;
}

export function successStatus(details) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}

// The messages below copy the wording of the real API server, which clients sometimes match.

export function notFound(def, name) {
  return new KubeError(404, "NotFound", `${def.plural}${groupSuffix(def)} "${name}" not found`,
                       { name, group: def.group, kind: def.plural });
}

export function alreadyExists(def, name) {
  return new KubeError(409, "AlreadyExists", `${def.plural}${groupSuffix(def)} "${name}" already exists`,
                       { name, group: def.group, kind: def.plural });
}

export function conflict(def, name, why) {
  return new KubeError(409, "Conflict",
                       `Operation cannot be fulfilled on ${def.plural}${groupSuffix(def)} "${name}": ${why}`,
                       { name, group: def.group, kind: def.plural });
}

export function badRequest(message) {
  return new KubeError(400, "BadRequest", message);
}

/** 422 Invalid, with one cause per field, and a message naming every field as Kubernetes does. */
export function invalid(def, name, causes) {
  const listed = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = listed.length === 1 ? listed[0] : `[${listed.join(", ")}]`;
  return new KubeError(422, "Invalid", `${def.kind} "${name ?? ""}" is invalid: ${summary}`,
                       { name, group: def.group, kind: def.kind, causes });
}

export function unauthorized() {
  return new KubeError(401, "Unauthorized", "Unauthorized");
}

export function forbidden(verb, def, name, namespace) {
  const what = def ? `${def.plural}${groupSuffix(def)}${name ? ` "${name}"` : ""}` : "resource";
  const where = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
  const message = `${what} is forbidden: User "system:serviceaccount:fake:client" cannot ${verb} ` +
                  `resource "${def?.plural ?? ""}" in API group "${def?.group ?? ""}"${where}`;
  return new KubeError(403, "Forbidden", message, { name, group: def?.group, kind: def?.plural });
}

export function gone(message) {
  return new KubeError(410, "Expired", message);
}

function groupSuffix(def) {
  return def.group ? `.${def.group}` : "";
}

// Causes of a 422, one per field, with the reasons of k8s.io/apimachinery's field errors.

export function valueCause(field, value, message) {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(value)}: ${message}`, field };
}

export function requiredCause(field) {
  return { reason: "FieldValueRequired", message: "Required value", field };
}
