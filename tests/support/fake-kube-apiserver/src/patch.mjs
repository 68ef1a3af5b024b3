// JSON merge patch (RFC 7386). The fake applies strategic-merge patches and server-side apply
// bodies with it too: lists are replaced whole rather than merged by key, and `$patch`
// directives are not understood.

export function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return structuredClone(patch);
  const out = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
