// One request, start to end: record it, answer /__fake/* and discovery, authenticate, apply
// injected faults, then serve the resource route; every error leaves as a Kubernetes Status.
import { Store } from "./store.mjs";
import { Operations } from "./operations.mjs";
import { Faults } from "./faults.mjs";
import { parsePath } from "./routes.mjs";
import { handleResource, verbOf } from "./handlers.mjs";
import { handleControl } from "./control.mjs";
import { discovery } from "./discovery.mjs";
import { KubeError, unauthorized, statusBody } from "./status.mjs";

// The real API server's request body limit.
const maxBodyBytes = 3 * 1024 * 1024;

export function createFake({ tokens = [] } = {}) {
  const store = new Store();
  const fake = { store, ops: new Operations(store), faults: new Faults(), requests: [] };

  fake.handle = async (req, res) => {
    const url = new URL(req.url, "http://fake");
    const contentType = req.headers["content-type"]?.split(";")[0].trim();
    const entry = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: null, contentType: contentType ?? null };
    fake.requests.push(entry);
    const onHeaders = (status) => { entry.status = status; };
    const reply = (status, body) => {
      onHeaders(status);
      const text = JSON.stringify(body);
      res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const body = await readBody(req);
      if (url.pathname.startsWith("/__fake/")) {
        const out = handleControl(fake, req.method, url.pathname, url.searchParams, body);
        return reply(out.status, out.body);
      }
      authenticate(req.headers.authorization, tokens);
      const known = discovery(req.method, url.pathname);
      if (known) return reply(200, known);
      const target = parsePath(url.pathname);
      const verb = verbOf(req.method, target, url.searchParams);
      fake.faults.checkForbidden(verb, target);
      fake.faults.checkFailure(req.method, url.pathname);
      const out = handleResource(fake.ops, { verb, target, query: url.searchParams, body, contentType, res, onHeaders });
      if (out) reply(out.status, out.body);
    } catch (error) {
      if (res.headersSent) return res.destroy();
      if (error instanceof KubeError) return reply(error.code, error.toStatus());
      process.stderr.write(`fake-kube-apiserver: ${error.stack}\n`);
      reply(500, statusBody(500, "InternalError", `fake-kube-apiserver: ${error.message}`));
    }
  };
  return fake;
}

function authenticate(header, tokens) {
  if (tokens.length === 0) return;
  const match = /^Bearer (.+)$/.exec(header ?? "");
  if (!match || !tokens.includes(match[1])) throw unauthorized();
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new KubeError(413, "RequestEntityTooLarge", "the request body is too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
