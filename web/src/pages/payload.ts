// Reading a stored message's payload: JSON for every kind but user and assistant text.
export function parsePayload(payload: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(payload);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function pretty(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}
