// The fake's whole state: the objects, the one resourceVersion counter they share, the event
// history that watches replay from, and the open watches that live events go to. Knows no HTTP.

export class Store {
  constructor() {
    this.objects = new Map(); // "plural/namespace/name" → { def, object }
    this.resourceVersion = 0;
    this.history = []; // { rv, def, type, object, previous }, oldest first, all newer than `horizon`
    this.horizon = 0; // resumes from a resourceVersion below this get 410 Expired
    this.watchers = new Set();
  }

  static key(def, namespace, name) {
    return `${def.plural}/${def.namespaced ? namespace : ""}/${name}`;
  }

  get(def, namespace, name) {
    const entry = this.objects.get(Store.key(def, namespace, name));
    return entry ? structuredClone(entry.object) : undefined;
  }

  /** Objects of one kind, in one namespace or (namespace undefined) all, ordered by key. */
  list(def, namespace) {
    const out = [];
    for (const [key, entry] of this.objects) {
      if (entry.def !== def) continue;
      if (namespace !== undefined && entry.object.metadata.namespace !== namespace) continue;
      out.push({ key, object: entry.object });
    }
    out.sort((a, b) => (a.key < b.key ? -1 : 1));
    return out.map(({ key, object }) => ({ key, object: structuredClone(object) }));
  }

  /** Copies of the stored objects for which `keep(def, object)` holds (it must not modify them). */
  select(keep) {
    const out = [];
    for (const { def, object } of this.objects.values()) {
      if (keep(def, object)) out.push({ def, object: structuredClone(object) });
    }
    return out;
  }

  /** Every stored object with its definition (for the test endpoints). */
  all() {
    return this.select(() => true);
  }

  /** Stores `object` (ADDED or MODIFIED) under a new resourceVersion; returns the stored copy. */
  write(def, object, type) {
    object.metadata.resourceVersion = String(++this.resourceVersion);
    const key = Store.key(def, object.metadata.namespace, object.metadata.name);
    const previous = this.objects.get(key)?.object;
    this.objects.set(key, { def, object: structuredClone(object) });
    this.record(def, type, object, previous);
    return structuredClone(object);
  }

  /** Removes `object`; the DELETED event carries the deletion's resourceVersion, as Kubernetes does. */
  remove(def, object) {
    this.objects.delete(Store.key(def, object.metadata.namespace, object.metadata.name));
    object.metadata.resourceVersion = String(++this.resourceVersion);
    this.record(def, "DELETED", object);
    return structuredClone(object);
  }

  // `previous` lets a watch with a selector see an object enter or leave it.
  record(def, type, object, previous) {
    const event = { rv: this.resourceVersion, def, type, object: structuredClone(object), previous };
    this.history.push(event);
    for (const watcher of this.watchers) watcher.offer(event);
  }

  /** Events after `rv`, or null when they were compacted away. */
  since(rv) {
    if (rv < this.horizon) return null;
    return this.history.filter((e) => e.rv > rv);
  }

  compact() {
    this.horizon = this.resourceVersion;
    this.history = [];
  }
}
