// Just enough of /version, /api and /apis for a client that checks where it is connected;
// per-group resource lists are not served.
import { resources } from "./resources.mjs";

export function discovery(method, pathname) {
  if (method !== "GET") return undefined;
  if (pathname === "/version") {
    return { major: "1", minor: "30", gitVersion: "v1.30.0-fake", platform: "fake-kube-apiserver" };
  }
  if (pathname === "/api") {
    return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
  }
  if (pathname === "/apis") {
    const groups = [...new Set(resources.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: groups.map((gv) => {
        const [name, version] = gv.split("/");
        const preferred = { groupVersion: gv, version };
        return { name, versions: [preferred], preferredVersion: preferred };
      }),
    };
  }
  return undefined;
}
