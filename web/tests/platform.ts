// Where the built binaries and console are, and how the tests reach the platform that
// global_setup.ts started (it passes the address and token through the environment).
import { createPrivateKey, sign } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

const kWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const buildDir = path.resolve(process.env.AMBIENT_BUILD_DIR ?? path.join(kWebDir, "..", "build"));
export const binDir = path.join(buildDir, "bin");
export const webBuildDir = path.join(buildDir, "web");
export const screenshotDir = path.join(buildDir, "screenshots");

export function platformUrl(): string {
  const url = process.env.AMBIENT_TEST_URL;
  if (!url) throw new Error("AMBIENT_TEST_URL is not set: run through playwright.config.ts (global setup)");
  return url;
}

export function serviceToken(): string {
  const token = process.env.AMBIENT_TEST_TOKEN;
  if (!token) throw new Error("AMBIENT_TEST_TOKEN is not set: run through playwright.config.ts (global setup)");
  return token;
}

// A call to the API as the service, for what a test sets up around the console.
export async function apiCall<T>(method: string, apiPath: string, body?: unknown): Promise<T> {
  const response = await fetch(`${platformUrl()}/api/ambient/v1${apiPath}`, {
    method,
    headers: { Authorization: `Bearer ${serviceToken()}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

// A user's access token (an ES256 JWT signed by the key global_setup.ts made the server
// trust), valid for `seconds`: what an OIDC issuer would hand that user.
export function userToken(username: string, seconds = 3600): string {
  const key = process.env.AMBIENT_TEST_USER_KEY;
  if (!key) throw new Error("AMBIENT_TEST_USER_KEY is not set: run through playwright.config.ts (global setup)");
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const signed = `${encode({ alg: "ES256", typ: "JWT", kid: "web-test" })}.${encode({ sub: username, preferred_username: username, iat: now, exp: now + seconds })}`;
  const signature = sign("sha256", Buffer.from(signed), { key: createPrivateKey(key), dsaEncoding: "ieee-p1363" });
  return `${signed}.${signature.toString("base64url")}`;
}
