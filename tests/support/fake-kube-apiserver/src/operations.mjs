// The verbs, as plain functions over the Store: what the API server does to objects, with
// server-set metadata, optimistic concurrency, validation and ownerReference cascades.
import { randomUUID, randomBytes } from "node:crypto";
import { Store } from "./store.mjs";
import { namespaces } from "./resources.mjs";
import { validateObject } from "./validate.mjs";
import { podUpdateCauses, canonical } from "./kinds.mjs";
import { mergePatch } from "./patch.mjs";
import { allocateService } from "./allocate.mjs";
import { notFound, alreadyExists, conflict, badRequest, invalid, KubeError } from "./status.mjs";
import { parseLabelSelector, parseFieldSelector } from "./selectors.mjs";

export class Operations {
  constructor(store) {
    this.store = store;
  }

  get(def, namespace, name) {
    const object = this.store.get(def, namespace, name);
    if (!object) throw notFound(def, name);
    return object;
  }

  list(def, namespace, query) {
    const labels = parseLabelSelector(query.get("labelSelector"));
    const fields = parseFieldSelector(query.get("fieldSelector"));
    let rows = this.store.list(def, namespace).filter(({ object }) => labels(object) && fields(object));
    const metadata = { resourceVersion: String(this.store.resourceVersion) };
    const after = query.get("continue");
    if (after) {
      const key = Buffer.from(after, "base64url").toString();
      rows = rows.filter((r) => r.key > key);
    }
    const limit = Number(query.get("limit") ?? 0);
    if (limit > 0 && rows.length > limit) {
      metadata.continue = Buffer.from(rows[limit - 1].key).toString("base64url");
      metadata.remainingItemCount = rows.length - limit;
      rows = rows.slice(0, limit);
    }
    return { kind: `${def.kind}List`, apiVersion: def.apiVersion, metadata, items: rows.map((r) => r.object) };
  }

  create(def, namespace, body) {
    const object = structuredClone(body);
    object.metadata ??= {};
    if (!object.metadata.name && object.metadata.generateName) {
      object.metadata.name = object.metadata.generateName + randomBytes(4).toString("hex").slice(0, 5);
    }
    validateObject(def, object, { namespace });
    if (def.namespaced && !this.store.get(namespaces, undefined, namespace)) throw notFound(namespaces, namespace);
    if (this.store.get(def, namespace, object.metadata.name)) throw alreadyExists(def, object.metadata.name);
    if (def.namespaced) object.metadata.namespace = namespace;
    Object.assign(object.metadata, {
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      generation: 1,
    });
    delete object.metadata.resourceVersion;
    if (def.statusSubresource) object.status = structuredClone(def.initialStatus ?? {});
    stringDataIntoData(def, object);
    allocateService(object, undefined);
    return this.store.write(def, object, "ADDED");
  }

  /** PUT; `subresource` is undefined or "status". */
  update(def, namespace, name, body, subresource) {
    const current = this.get(def, namespace, name);
    validateObject(def, body, { namespace, name });
    return this.replace(def, current, body, subresource);
  }

  patch(def, namespace, name, contentType, patchBody, subresource, query) {
    if (contentType === "application/apply-patch+yaml") return this.apply(def, namespace, name, patchBody, subresource, query);
    if (contentType !== "application/merge-patch+json" && contentType !== "application/strategic-merge-patch+json") {
      throw new KubeError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ` +
                          `application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`);
    }
    const current = this.get(def, namespace, name);
    const merged = mergePatch(current, patchBody);
    validateObject(def, merged, { namespace, name });
    return this.replace(def, current, merged, subresource);
  }

  /** Server-side apply, simplified: create when absent, else a merge patch of the body. */
  apply(def, namespace, name, body, subresource, query) {
    if (!query.get("fieldManager")) {
      throw invalid({ kind: "PatchOptions", group: "meta.k8s.io" }, "", [
        { reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }]);
    }
    const current = this.store.get(def, namespace, name);
    if (!current) {
      if (subresource) throw notFound(def, name);
      validateObject(def, body, { namespace, name });
      return { created: true, object: this.create(def, namespace, body) };
    }
    const merged = mergePatch(current, body);
    validateObject(def, merged, { namespace, name });
    return { created: false, object: this.replace(def, current, merged, subresource) };
  }

  replace(def, current, body, subresource) {
    const name = current.metadata.name;
    const wanted = body.metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== current.metadata.resourceVersion) {
      throw conflict(def, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    let next;
    if (subresource === "status") {
      next = { ...current, status: body.status };
    } else {
      next = structuredClone(body);
      // Identity and history stay the server's; status changes only through /status.
      next.metadata = { ...next.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp,
                        namespace: current.metadata.namespace, name };
      if (def.statusSubresource) next.status = current.status;
      if (def.kind === "Pod") {
        const causes = podUpdateCauses(current.spec, next.spec);
        if (causes.length) throw invalid(def, name, causes);
      }
      stringDataIntoData(def, next);
      allocateService(next, current);
    }
    const changed = (o) => JSON.stringify(canonical({ ...o, metadata: undefined, status: undefined }));
    next.metadata.generation = current.metadata.generation + (changed(current) === changed(next) ? 0 : 1);
    return this.store.write(def, next, "MODIFIED");
  }

  /** Deletes one object and, unless `Orphan`, everything that it owns; returns the object. */
  delete(def, namespace, name, options) {
    const current = this.get(def, namespace, name);
    const pre = options.preconditions ?? {};
    if ((pre.uid && pre.uid !== current.metadata.uid) ||
        (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)) {
      throw conflict(def, name, "Precondition failed: the object's UID or resourceVersion differs");
    }
    const policy = options.propagationPolicy ?? "Background";
    if (!["Background", "Foreground", "Orphan"].includes(policy)) {
      throw badRequest(`propagationPolicy: Unsupported value: "${policy}"`);
    }
    return this.deleteTree(def, current, policy, new Set());
  }

  deleteCollection(def, namespace, query, options) {
    const list = this.list(def, namespace, query);
    list.items = list.items.map((o) => this.delete(def, o.metadata.namespace, o.metadata.name, options));
    list.metadata = { resourceVersion: String(this.store.resourceVersion) };
    return list;
  }

  // Background deletes the owner first, Foreground its dependents first, as the garbage collector
  // orders them; both leave nothing behind. A Namespace takes everything in it along.
  deleteTree(def, object, policy, seen) {
    seen.add(object.metadata.uid);
    const dependents = this.store.select((d, o) =>
      !seen.has(o.metadata.uid) && (o.metadata.ownerReferences ?? []).some((r) => r.uid === object.metadata.uid));
    const contents = def === namespaces
      ? this.store.select((d, o) => d.namespaced && o.metadata.namespace === object.metadata.name) : [];
    if (policy === "Orphan") {
      for (const { def: d, object: o } of dependents) {
        o.metadata.ownerReferences = o.metadata.ownerReferences.filter((r) => r.uid !== object.metadata.uid);
        if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
        this.store.write(d, o, "MODIFIED");
      }
    }
    const removeOthers = () => {
      const others = policy === "Orphan" ? contents : [...dependents, ...contents];
      for (const { def: d, object: o } of others) {
        if (seen.has(o.metadata.uid) || !this.store.get(d, o.metadata.namespace, o.metadata.name)) continue;
        this.deleteTree(d, this.store.get(d, o.metadata.namespace, o.metadata.name), "Background", seen);
      }
    };
    if (policy === "Foreground" || def === namespaces) removeOthers();
    const deleted = this.store.remove(def, object);
    if (policy !== "Foreground" && def !== namespaces) removeOthers();
    return deleted;
  }

  /** The test endpoint's status write: a merge patch of the Pod's status, no validation of phase moves. */
  setPodStatus(def, namespace, name, status) {
    const current = this.get(def, namespace, name);
    const next = { ...current, status: mergePatch(current.status ?? {}, status) };
    validateObject(def, next, { namespace, name });
    return this.store.write(def, next, "MODIFIED");
  }
}

// The real API server folds Secret.stringData into base64 `data` and never stores it.
function stringDataIntoData(def, object) {
  if (def.kind !== "Secret" || !object.stringData) return;
  object.data ??= {};
  for (const [key, value] of Object.entries(object.stringData)) object.data[key] = Buffer.from(value).toString("base64");
  delete object.stringData;
}

export { Store };
