// The roles (12 built in, read-only; GET /roles is open to every user), read once per page
// load: bindings name roles by id, people by name.
import { useEffect, useState } from "preact/hooks";
import { api } from "./client";
import { List, Role } from "./types";

let cached: Promise<Role[]> | undefined;

function loadRoles(): Promise<Role[]> {
  cached ??= api<List<Role>>("GET", "/roles?size=500&orderBy=name").then(
    (list) => list.items,
    (error) => {
      cached = undefined; // try again next time
      throw error;
    },
  );
  return cached;
}

export function useRoles(): { roles: Role[] | undefined; error: unknown } {
  const [roles, setRoles] = useState<Role[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let live = true;
    loadRoles().then(
      (value) => live && setRoles(value),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);
  return { roles, error };
}

export function roleName(roles: Role[] | undefined, id: string): string {
  return roles?.find((role) => role.id === id)?.name ?? id;
}

export function roleId(roles: Role[] | undefined, name: string): string | undefined {
  return roles?.find((role) => role.name === name)?.id;
}
