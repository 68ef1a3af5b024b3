// Starts the real fake as a child process on port 0 and talks to it over real HTTP(S).
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { fileURLToPath } from "node:url";

const serverPath = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "server.mjs");
export const token = "test-token";
const startDeadlineMs = 15000;

/** Starts the fake; resolves once it printed `listening …`, rejects past the deadline. */
export async function startFake({ args = ["--token", token], tls } = {}) {
  const child = spawn(process.execPath, [serverPath, "--port", "0", ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the fake did not print its listening line in time")), startDeadlineMs);
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = /^listening (\S+)\n/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`the fake exited with ${code} before listening`)));
  });
  const base = `${tls ? "https" : "http"}://${address}`;
  const fake = {
    child,
    address,
    base,
    /** One request; resolves { status, headers, body } with body parsed when JSON. */
    request(method, pathAndQuery, { body, contentType = "application/json", auth = token, ca } = {}) {
      const headers = {};
      if (auth) headers.authorization = `Bearer ${auth}`;
      let payload;
      if (body !== undefined) {
        payload = typeof body === "string" ? body : JSON.stringify(body);
        headers["content-type"] = contentType;
        // Node sends a DELETE body neither chunked nor sized unless told its length.
        headers["content-length"] = Buffer.byteLength(payload);
      }
      return new Promise((resolve, reject) => {
        const client = tls ? https : http;
        const req = client.request(`${base}${pathAndQuery}`, { method, headers, ca: ca ?? tls?.ca, agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => { text += c; });
          res.on("end", () => {
            let parsed = text;
            try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
            resolve({ status: res.statusCode, headers: res.headers, body: parsed });
          });
        });
        req.on("error", reject);
        req.end(payload);
      });
    },
    get: (p, o) => fake.request("GET", p, o),
    post: (p, body, o) => fake.request("POST", p, { ...o, body }),
    put: (p, body, o) => fake.request("PUT", p, { ...o, body }),
    patch: (p, body, contentType, o) => fake.request("PATCH", p, { ...o, body, contentType }),
    del: (p, o) => fake.request("DELETE", p, o),
    watch: (p) => openWatch(base, p),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
  return fake;
}

/**
 * Opens a watch; `next()` resolves the next event (or null once the stream ended),
 * `close()` drops the connection.
 */
export async function openWatch(base, pathAndQuery) {
  const res = await new Promise((resolve, reject) => {
    const req = http.get(`${base}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` }, agent: false }, resolve);
    req.on("error", reject);
  });
  const events = [];
  const waiting = [];
  let buffer = "";
  let ended = false;
  const deliver = () => {
    while (waiting.length && (events.length || ended)) waiting.shift()(events.length ? events.shift() : null);
  };
  res.setEncoding("utf8");
  res.on("data", (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      events.push(JSON.parse(buffer.slice(0, newline)));
      buffer = buffer.slice(newline + 1);
    }
    deliver();
  });
  res.on("end", () => { ended = true; deliver(); });
  res.on("close", () => { ended = true; deliver(); });
  return {
    status: res.statusCode,
    headers: res.headers,
    next(timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no watch event in time")), timeoutMs);
        waiting.push((event) => { clearTimeout(timer); resolve(event); });
        deliver();
      });
    },
    /** The next `n` events. */
    async take(n) {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await this.next());
      return out;
    },
    close: () => res.destroy(),
  };
}

// Bodies the tests create.
export const namespace = (name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
export const pod = (name, extra = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, ...extra.metadata },
  spec: { restartPolicy: "Never", containers: [{ name: "runner", image: "ambient-runner:test" }], ...extra.spec },
});
export const secret = (name, extra = {}) => ({
  apiVersion: "v1", kind: "Secret", metadata: { name, ...extra.metadata }, data: { "bot-token": Buffer.from("t").toString("base64") },
});
export const ownedBy = (owner) => ({
  ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid }],
});
