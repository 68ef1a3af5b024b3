// Client-side routing over the History API: the server answers every non-API path with
// index.html, and this maps the path to a page.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "projects" }
  | { page: "project"; projectId: string }
  | { page: "session"; sessionId: string }
  | { page: "not-found"; path: string };

export function parseRoute(path: string): Route {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "projects")) return { page: "projects" };
  if (parts.length === 2 && parts[0] === "projects") return { page: "project", projectId: parts[1] };
  if (parts.length === 2 && parts[0] === "sessions") return { page: "session", sessionId: parts[1] };
  return { page: "not-found", path };
}

export function projectPath(projectId: string): string {
  return `/projects/${encodeURIComponent(projectId)}`;
}

export function sessionPath(sessionId: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}`;
}

export function navigate(path: string): void {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

// The current route, following history changes and same-origin link clicks.
export function useRoute(): Route {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      const link = (event.target as Element).closest("a");
      if (!link || link.origin !== location.origin || link.target) return;
      event.preventDefault();
      navigate(link.pathname);
    };
    addEventListener("popstate", onPop);
    document.addEventListener("click", onClick);
    return () => {
      removeEventListener("popstate", onPop);
      document.removeEventListener("click", onClick);
    };
  }, []);
  return parseRoute(path);
}
