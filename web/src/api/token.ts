// The signed-in user's bearer token. Kept in sessionStorage (gone when the tab closes),
// never localStorage, so a token never outlives the browsing session that pasted it.
const kKey = "ambient.token";

export function loadToken(): string | null {
  return sessionStorage.getItem(kKey);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(kKey, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(kKey);
}
