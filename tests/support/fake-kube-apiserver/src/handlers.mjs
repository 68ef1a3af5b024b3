// Thin HTTP layer over Operations for the resource routes: picks the verb, parses the body,
// and answers { status, body }; watches stream instead.
import { badRequest, KubeError } from "./status.mjs";
import { startWatch } from "./watch.mjs";

/** The Kubernetes verb of a request, as RBAC (and the fake's /__fake/forbid) names it. */
export function verbOf(method, target, query) {
  const named = target.name !== undefined;
  switch (method) {
    case "GET": return named ? "get" : ["true", "1"].includes(query.get("watch")) ? "watch" : "list";
    case "POST": return "create";
    case "PUT": return "update";
    case "PATCH": return "patch";
    case "DELETE": return named ? "delete" : "deletecollection";
    default: return method.toLowerCase();
  }
}

export function handleResource(ops, request) {
  const { verb, target, query, body, contentType, res, onHeaders } = request;
  const { def, namespace, name, subresource } = target;
  if (subresource !== undefined && (subresource !== "status" || !def.statusSubresource)) {
    throw new KubeError(404, "NotFound", `the server could not find the requested resource`);
  }
  if (target.allNamespaces && !["list", "watch"].includes(verb)) {
    throw new KubeError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
  }
  switch (verb) {
    case "get":
      if (["true", "1"].includes(query.get("watch"))) {
        // The deprecated single-object watch is a watch with a name field selector.
        query.set("fieldSelector", `metadata.name=${name}`);
        startWatch(ops.store, def, namespace, query, res, onHeaders);
        return undefined;
      }
      return { status: 200, body: ops.get(def, namespace, name) };
    case "list":
      return { status: 200, body: ops.list(def, namespace, query) };
    case "watch":
      startWatch(ops.store, def, namespace, query, res, onHeaders);
      return undefined;
    case "create":
      if (name !== undefined) throw new KubeError(405, "MethodNotAllowed", "POST is only allowed on collections");
      return { status: 201, body: ops.create(def, namespace, json(body, contentType)) };
    case "update":
      return { status: 200, body: ops.update(def, namespace, name, json(body, contentType), subresource) };
    case "patch": {
      const patch = parse(body);
      const result = ops.patch(def, namespace, name, contentType, patch, subresource, query);
      if (contentType === "application/apply-patch+yaml") return { status: result.created ? 201 : 200, body: result.object };
      return { status: 200, body: result };
    }
    case "delete":
      return { status: 200, body: ops.delete(def, namespace, name, deleteOptions(body, query)) };
    case "deletecollection":
      return { status: 200, body: ops.deleteCollection(def, namespace, query, deleteOptions(body, query)) };
    default:
      throw new KubeError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
  }
}

function json(body, contentType) {
  if (contentType && contentType !== "application/json") {
    throw new KubeError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json`);
  }
  return parse(body);
}

// Apply bodies are YAML; the fake reads only the JSON subset of YAML.
function parse(body) {
  if (body.length === 0) throw badRequest("the body of the request is empty");
  try {
    return JSON.parse(body);
  } catch (error) {
    throw badRequest(`the body of the request is not JSON (the fake reads JSON only): ${error.message}`);
  }
}

function deleteOptions(body, query) {
  const options = body.length > 0 ? parse(body) : {};
  if (query.get("propagationPolicy")) options.propagationPolicy = query.get("propagationPolicy");
  return options;
}
