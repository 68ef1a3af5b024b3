// Sign-in by pasting a token (a service token or an OIDC access token). The token is checked
// against the API before it is kept, so a typo is reported here rather than on every page.
import { useState } from "preact/hooks";
import { ApiError, describeError } from "../api/client";
import { clearToken, saveToken } from "../api/token";
import { api } from "../api/client";

export function SignIn({ onSignedIn, expired }: { onSignedIn: () => void; expired: boolean }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    saveToken(token.trim());
    try {
      await api("GET", "/projects?size=1");
      onSignedIn();
    } catch (e) {
      clearToken();
      setError(e instanceof ApiError && e.status === 401 ? "That token was not accepted." : describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Sign in to Ambient</h1>
      {expired && (
        <p class="notice error" role="alert">
          Your token expired or was revoked. Paste a fresh one to carry on.
        </p>
      )}
      <form onSubmit={submit}>
        <label for="token">Access token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          required
        />
        <p class="hint">
          A service token (<code>data/api-token</code> under <code>make run</code>) or your OIDC access token. It is
          kept in this tab only and forgotten when the tab closes.
        </p>
        {error && (
          <p class="notice error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || token.trim() === ""}>
          Sign in
        </button>
      </form>
    </main>
  );
}
