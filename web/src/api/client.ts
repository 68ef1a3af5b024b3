// The API client: every call carries the signed-in token, and every failure becomes an
// ApiError holding the status and the server's reason, so pages can show a 403 or a 404 as
// what it is instead of a generic failure.
import { clearToken, loadToken } from "./token";

export const kApiBase = "/api/ambient/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`${status}: ${reason}`);
  }
}

// Pages subscribe to learn that the token stopped working (expired or revoked) mid-session.
type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}
export function reportUnauthorized(): void {
  clearToken();
  for (const listener of unauthorizedListeners) listener();
}

export function authHeaders(): Record<string, string> {
  const token = loadToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

// The error an unsuccessful response stands for, with the reason from upstream's error body
// when there is one.
export async function errorFrom(response: Response): Promise<ApiError> {
  let reason = response.statusText || "request failed";
  try {
    const body = await response.json();
    if (body && typeof body.reason === "string") reason = body.reason;
  } catch {
    // Not JSON (a proxy's page, an empty body): the status text will do.
  }
  if (response.status === 401) reportUnauthorized();
  return new ApiError(response.status, reason);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders(), Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(kApiBase + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "the server could not be reached");
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Forbidden: ${error.reason}`;
    if (error.status === 404) return `Not found: ${error.reason}`;
    if (error.status === 0) return error.reason;
    return `Error ${error.status}: ${error.reason}`;
  }
  return error instanceof Error ? error.message : String(error);
}
