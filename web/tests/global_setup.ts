// Starts the platform the console tests drive, as `make run` does: the real
// ambient-api-server (port 0, a temp data dir, serving the console built into build/web) and
// the real ambient-control-plane running echo runners. Returns the teardown that stops both.
import { ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { binDir, webBuildDir } from "./platform";

const kStartDeadlineMs = 30_000;

// Resolves with the first stdout line that matches, rejects on exit or after the deadline.
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${kStartDeadlineMs} ms:\n${seen}`)), kStartDeadlineMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready:\n${seen}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = mkdtempSync(path.join(os.tmpdir(), "ambient-web-test-"));
  // Runners run as an unprivileged uid and must pass through to their session's directory.
  chmodSync(root, 0o711);
  const sessionsDir = path.join(root, "sessions");
  mkdirSync(sessionsDir, { mode: 0o711 });
  const token = randomBytes(24).toString("hex");
  // Users sign in with JWTs this key signs (platform.ts, userToken): the server trusts its
  // public half, as it would an OIDC issuer's.
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwksFile = path.join(root, "jwks.json");
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "web-test", alg: "ES256", use: "sig" }] }));
  const logs = process.env.AMBIENT_WEB_TEST_LOGS === "1" ? "inherit" : "ignore";

  const api = spawn(
    path.join(binDir, "ambient-api-server"),
    ["serve", "--api-server-bindaddress", "127.0.0.1:0", "--data-dir", path.join(root, "api"), "--web-dir", webBuildDir, "--jwk-cert-file", jwksFile],
    { env: { ...process.env, AMBIENT_API_TOKEN: token }, stdio: ["ignore", "pipe", logs] },
  );
  const [, port] = await waitForLine(api, /listening on [^ ]*:(\d+) /, "ambient-api-server");
  const url = `http://127.0.0.1:${port}`;

  const controlPlane = spawn(
    path.join(binDir, "ambient-control-plane"),
    [
      "--data-dir", sessionsDir,
      "--metrics-bindaddress", "127.0.0.1:0",
      // The console is under test, not the sandbox (tests/e2e covers that): none by default,
      // which also runs where bwrap cannot (a worktree whose node_modules is a symlink).
      "--sandbox", process.env.AMBIENT_WEB_TEST_SANDBOX ?? "none",
      "--stop-grace", "2s",
      "--stop-runners-on-exit",
    ],
    {
      env: { ...process.env, AMBIENT_API_SERVER_URL: url, BACKEND_API_URL: url, AMBIENT_API_TOKEN: token, RUNNER_TYPE: "echo" },
      stdio: ["ignore", logs, logs],
    },
  );

  process.env.AMBIENT_TEST_URL = url;
  process.env.AMBIENT_TEST_TOKEN = token;
  process.env.AMBIENT_TEST_USER_KEY = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return async () => {
    await stop(controlPlane);
    await stop(api);
    // AMBIENT_WEB_TEST_KEEP=1 keeps the data dirs (runner logs under sessions/<id>/).
    if (process.env.AMBIENT_WEB_TEST_KEEP === "1") console.log(`platform data kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
