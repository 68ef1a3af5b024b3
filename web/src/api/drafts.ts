// Unsent composer text, kept per session in this tab's sessionStorage, so that a token which
// stops working mid-session (sign-in replaces the page) loses nothing: after signing in
// again the composer holds what was typed. Signing out forgets every draft.
const kPrefix = "ambient.draft.";

export function loadDraft(sessionId: string): string {
  return sessionStorage.getItem(kPrefix + sessionId) ?? "";
}

export function saveDraft(sessionId: string, text: string): void {
  try {
    if (text === "") sessionStorage.removeItem(kPrefix + sessionId);
    else sessionStorage.setItem(kPrefix + sessionId, text);
  } catch {
    // Over the storage quota (a text of megabytes): the composer still holds it.
    sessionStorage.removeItem(kPrefix + sessionId);
  }
}

export function clearDrafts(): void {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(kPrefix)) sessionStorage.removeItem(key);
}
