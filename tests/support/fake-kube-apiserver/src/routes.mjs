// Maps a Kubernetes REST path onto { def, namespace, name, subresource }, as the real server's
// routes are laid out:
//   /api/v1/namespaces[/{name}]
//   /api/v1/namespaces/{ns}/{resource}[/{name}[/{subresource}]]
//   /api/v1/{resource}                                  (every namespace)
//   /apis/{group}/{version}/… the same under a group
import { findResource, namespaces } from "./resources.mjs";
import { KubeError } from "./status.mjs";

export function parsePath(pathname) {
  const parts = pathname.split("/").filter((p) => p.length > 0).map(decodeURIComponent);
  let group;
  let version;
  let rest;
  if (parts[0] === "api" && parts.length >= 2) {
    [group, version, rest] = ["", parts[1], parts.slice(2)];
  } else if (parts[0] === "apis" && parts.length >= 3) {
    [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  } else {
    throw pathNotFound(pathname);
  }

  // Namespaced resources: namespaces/{ns}/{resource}/…; the namespace itself otherwise.
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && rest[2] === "status")) {
    const def = findResource(group, version, rest[2]);
    if (!def || !def.namespaced || rest.length > 5) throw pathNotFound(pathname);
    return { def, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const def = findResource(group, version, rest[0]);
  if (!def) throw pathNotFound(pathname);
  if (!def.namespaced) {
    if (rest.length > 3) throw pathNotFound(pathname);
    return { def, namespace: undefined, name: rest[1], subresource: rest[2] };
  }
  if (rest.length !== 1) throw pathNotFound(pathname);
  return { def, namespace: undefined, name: undefined, subresource: undefined, allNamespaces: true };
}

function pathNotFound(pathname) {
  return new KubeError(404, "NotFound", `the server could not find the requested resource (${pathname})`);
}

export { namespaces };
