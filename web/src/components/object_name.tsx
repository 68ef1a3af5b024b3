// The name of an agent or credential a binding or record names by id, read once per id and
// page load (names of these change rarely); the id itself when it cannot be read (a 404 for
// an object the caller may not see).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";

const names = new Map<string, Promise<string>>();

function nameOf(path: string, id: string): Promise<string> {
  let name = names.get(path);
  if (!name) {
    name = api<{ name?: string }>("GET", path).then(
      (object) => object.name || id,
      () => id,
    );
    names.set(path, name);
  }
  return name;
}

export function ObjectName({ kind, id }: { kind: "agents" | "credentials"; id: string }) {
  const [name, setName] = useState(id);
  useEffect(() => {
    let live = true;
    void nameOf(`/${kind}/${encodeURIComponent(id)}`, id).then((value) => live && setName(value));
    return () => {
      live = false;
    };
  }, [kind, id]);
  return <>{name}</>;
}
