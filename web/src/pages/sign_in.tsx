// Sign-in by pasting a token (a service token or an OIDC access token). The token is checked
// against the API before it is kept, so a typo is reported here rather than on every page.
import { useState } from "preact/hooks";
import { describeError, errorFrom, kApiBase } from "../api/client";
import { saveToken } from "../api/token";

// One call with the candidate token; not through api(), whose 401 means "signed out".
async function check(token: string): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(`${kApiBase}/projects?size=1`, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    return "The server could not be reached.";
  }
  if (response.status === 401) return "That token was not accepted.";
  if (!response.ok) return describeError(await errorFrom(response));
  return undefined;
}

export function SignIn({ onSignedIn, expired }: { onSignedIn: () => void; expired: boolean }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const problem = await check(token.trim());
    setBusy(false);
    if (problem) return setError(problem);
    saveToken(token.trim());
    onSignedIn();
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
