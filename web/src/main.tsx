// The console's shell: sign-in until a token is held, then the page the address names.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { onUnauthorized } from "./api/client";
import { clearToken, loadToken } from "./api/token";
import { ProjectPage } from "./pages/project";
import { ProjectsPage } from "./pages/projects";
import { SessionPage } from "./pages/session";
import { SignIn } from "./pages/sign_in";
import { Route, useRoute } from "./router";
import "./styles.css";

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "projects":
      return <ProjectsPage />;
    case "project":
      return <ProjectPage key={route.projectId} projectId={route.projectId} />;
    case "session":
      return <SessionPage key={route.sessionId} sessionId={route.sessionId} />;
    case "not-found":
      return (
        <main>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href="/">Go to the projects</a>.
          </p>
        </main>
      );
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(loadToken() !== null);
  const [expired, setExpired] = useState(false);
  const route = useRoute();
  // A 401 anywhere means the token no longer works: back to sign-in, saying why.
  useEffect(
    () =>
      onUnauthorized(() => {
        setExpired(true);
        setSignedIn(false);
      }),
    [],
  );
  if (!signedIn) {
    return (
      <SignIn
        expired={expired}
        onSignedIn={() => {
          setExpired(false);
          setSignedIn(true);
        }}
      />
    );
  }
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <a href="/" class="brand">
          Ambient
        </a>
        <button
          type="button"
          onClick={() => {
            clearToken();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <div id="content">
        <Page route={route} />
      </div>
    </>
  );
}

render(<App />, document.getElementById("app")!);
