// The console's shell: sign-in until a token is held, then the page the address names.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { onUnauthorized } from "./api/client";
import { clearDrafts } from "./api/drafts";
import { clearToken, loadToken } from "./api/token";
import { AgentPage } from "./pages/agent";
import { AuditPage } from "./pages/audit";
import { CredentialPage } from "./pages/credential";
import { CredentialsPage } from "./pages/credentials";
import { ProjectPage } from "./pages/project";
import { ProjectsPage } from "./pages/projects";
import { RoleBindingsPage } from "./pages/role_bindings";
import { SessionPage } from "./pages/session";
import { SignIn } from "./pages/sign_in";
import { Route, useRoute } from "./router";
import "./styles.css";

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "projects":
      return <ProjectsPage />;
    case "project":
      return <ProjectPage key={route.projectId} projectId={route.projectId} tab={route.tab} />;
    case "session":
      return <SessionPage key={route.sessionId} sessionId={route.sessionId} />;
    case "agent":
      return <AgentPage key={route.agentId} agentId={route.agentId} />;
    case "credentials":
      return <CredentialsPage />;
    case "credential":
      return <CredentialPage key={route.credentialId} credentialId={route.credentialId} />;
    case "role-bindings":
      return <RoleBindingsPage />;
    case "audit":
      return <AuditPage />;
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

const kSections: [string, string, Route["page"][]][] = [
  ["/", "Projects", ["projects", "project", "session", "agent"]],
  ["/credentials", "Credentials", ["credentials", "credential"]],
  ["/role-bindings", "Role bindings", ["role-bindings"]],
  ["/audit", "Audit log", ["audit"]],
];

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
        <nav aria-label="Main" class="main-nav">
          {kSections.map(([href, name, pages]) => (
            <a key={href} href={href} aria-current={pages.includes(route.page) ? "page" : undefined}>
              {name}
            </a>
          ))}
        </nav>
        <button
          type="button"
          onClick={() => {
            clearToken();
            clearDrafts();
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
