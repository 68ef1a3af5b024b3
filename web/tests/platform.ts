// Where the built binaries and console are, and how the tests reach the platform that
// global_setup.ts started (it passes the address and token through the environment).
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
