// The /__fake/* endpoints through which tests drive and inspect the fake; no auth, JSON only.
import { findByKind, resources } from "./resources.mjs";
import { badRequest, KubeError } from "./status.mjs";

const podsDef = findByKind("Pod");

/** Answers { status, body } for a /__fake path, or throws a KubeError. */
export function handleControl(fake, method, pathname, query, body) {
  const parsed = () => {
    try {
      return body.length ? JSON.parse(body) : {};
    } catch (error) {
      throw badRequest(`not JSON: ${error.message}`);
    }
  };
  const done = { status: 200, body: { ok: true } };
  const route = `${method} ${pathname}`;
  const podStatus = /^POST \/__fake\/pods\/([^/]+)\/([^/]+)\/status$/.exec(route);
  if (podStatus) {
    return { status: 200, body: fake.ops.setPodStatus(podsDef, decodeURIComponent(podStatus[1]), decodeURIComponent(podStatus[2]), parsed()) };
  }
  switch (route) {
    case "POST /__fake/compact":
      fake.store.compact();
      return { status: 200, body: { ok: true, horizon: String(fake.store.horizon) } };
    case "POST /__fake/close-watches":
      for (const watcher of [...fake.store.watchers]) watcher.close();
      return done;
    case "POST /__fake/bookmark":
      for (const watcher of fake.store.watchers) watcher.bookmark();
      return done;
    case "POST /__fake/fail":
      fake.faults.addFailure(parsed());
      return done;
    case "POST /__fake/forbid":
      fake.faults.addForbid(parsed());
      return done;
    case "POST /__fake/reset-forbid":
      fake.faults.forbids = [];
      return done;
    case "GET /__fake/requests":
      return { status: 200, body: fake.requests };
    case "DELETE /__fake/requests":
      fake.requests.length = 0;
      return done;
    case "GET /__fake/objects": {
      const kind = query.get("kind");
      const namespace = query.get("namespace");
      if (kind && !resources.some((r) => r.kind === kind)) throw badRequest(`the fake serves no kind ${kind}`);
      const objects = fake.store.all()
        .filter(({ def, object }) => (!kind || def.kind === kind) && (!namespace || object.metadata.namespace === namespace))
        .map(({ object }) => object);
      return { status: 200, body: objects };
    }
    default:
      throw new KubeError(404, "NotFound", `no fake control endpoint ${route}`);
  }
}
