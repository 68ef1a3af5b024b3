// Client-side routing over the History API: the server answers every non-API path of one or
// two segments with index.html, and this maps the path (and a project's `?tab=`) to a page.
import { useEffect, useState } from "preact/hooks";

export type ProjectTab = "sessions" | "agents" | "members";

export type Route =
  | { page: "projects" }
  | { page: "project"; projectId: string; tab: ProjectTab }
  | { page: "session"; sessionId: string }
  | { page: "agent"; agentId: string }
  | { page: "credentials" }
  | { page: "credential"; credentialId: string }
  | { page: "role-bindings" }
  | { page: "audit" }
  | { page: "not-found"; path: string };

const kTabs: ProjectTab[] = ["sessions", "agents", "members"];

export function parseRoute(path: string, search = ""): Route {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0 || (parts.length === 1 && first === "projects")) return { page: "projects" };
  if (parts.length === 1 && first === "credentials") return { page: "credentials" };
  if (parts.length === 1 && first === "role-bindings") return { page: "role-bindings" };
  if (parts.length === 1 && first === "audit") return { page: "audit" };
  if (parts.length === 2 && first === "projects") {
    const tab = new URLSearchParams(search).get("tab") as ProjectTab | null;
    return { page: "project", projectId: second, tab: tab && kTabs.includes(tab) ? tab : "sessions" };
  }
  if (parts.length === 2 && first === "sessions") return { page: "session", sessionId: second };
  if (parts.length === 2 && first === "agents") return { page: "agent", agentId: second };
  if (parts.length === 2 && first === "credentials") return { page: "credential", credentialId: second };
  return { page: "not-found", path };
}

export function projectPath(projectId: string, tab: ProjectTab = "sessions"): string {
  const path = `/projects/${encodeURIComponent(projectId)}`;
  return tab === "sessions" ? path : `${path}?tab=${tab}`;
}

export function sessionPath(sessionId: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}`;
}

export function agentPath(agentId: string): string {
  return `/agents/${encodeURIComponent(agentId)}`;
}

export function credentialPath(credentialId: string): string {
  return `/credentials/${encodeURIComponent(credentialId)}`;
}

export function navigate(path: string): void {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

// The current route, following history changes and same-origin link clicks.
export function useRoute(): Route {
  const [where, setWhere] = useState(location.pathname + location.search);
  useEffect(() => {
    const onPop = () => setWhere(location.pathname + location.search);
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      const link = (event.target as Element).closest("a");
      if (!link || link.origin !== location.origin || link.target) return;
      if (link.hash && link.pathname === location.pathname) return; // "Skip to content"

      event.preventDefault();
      navigate(link.pathname + link.search);
    };
    addEventListener("popstate", onPop);
    document.addEventListener("click", onClick);
    return () => {
      removeEventListener("popstate", onPop);
      document.removeEventListener("click", onClick);
    };
  }, []);
  const query = where.indexOf("?");
  return query < 0 ? parseRoute(where) : parseRoute(where.slice(0, query), where.slice(query));
}
