// Errors a test asks for: the next N requests matching a method and path regex fail with a
// Status (POST /__fake/fail), and verbs on resources answer 403 until reset (POST /__fake/forbid).
import { KubeError, badRequest, forbidden } from "./status.mjs";

export class Faults {
  constructor() {
    this.failures = []; // { method, path: RegExp, status, reason, message, count }
    this.forbids = []; // { verb, resource, namespace }
  }

  addFailure(spec) {
    if (!Number.isInteger(spec.status) || typeof spec.path !== "string") {
      throw badRequest('fail needs {"path": "<regex>", "status": <code>}');
    }
    this.failures.push({
      method: spec.method?.toUpperCase(),
      path: new RegExp(spec.path),
      status: spec.status,
      reason: spec.reason ?? defaultReason(spec.status),
      message: spec.message ?? `injected by the fake: ${spec.reason ?? defaultReason(spec.status)}`,
      count: spec.count ?? 1,
    });
  }

  addForbid(spec) {
    if (typeof spec.verb !== "string" || typeof spec.resource !== "string") {
      throw badRequest('forbid needs {"verb": "create", "resource": "pods"}');
    }
    this.forbids.push({ verb: spec.verb, resource: spec.resource, namespace: spec.namespace });
  }

  /** Throws the injected failure for this request, consuming one of its count. */
  checkFailure(method, pathname) {
    const failure = this.failures.find((f) => f.count > 0 && (!f.method || f.method === method) && f.path.test(pathname));
    if (!failure) return;
    failure.count--;
    this.failures = this.failures.filter((f) => f.count > 0);
    throw new KubeError(failure.status, failure.reason, failure.message);
  }

  /** `resource` may name a subresource as `pods/status`; `*` matches any verb or resource. */
  checkForbidden(verb, target) {
    const resource = target.subresource ? `${target.def.plural}/${target.subresource}` : target.def.plural;
    const hit = this.forbids.some((f) =>
      (f.verb === "*" || f.verb === verb) && (f.resource === "*" || f.resource === resource) &&
      (f.namespace === undefined || f.namespace === target.namespace));
    if (hit) throw forbidden(verb, target.def, target.name, target.namespace);
  }
}

function defaultReason(status) {
  return { 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 410: "Expired",
           422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout" }[status] ?? "Unknown";
}
