// Kustomizations must render with kubectl 1.20's built-in kustomize (v2.0) as well as with newer
// ones: Debian's kubernetes-client is 1.20. v2.0 knows only the fields below, reads only files in
// `resources:` (a directory goes in `bases:`), and has no `patches:`, `labels:`, `components:`.
import { stat } from "node:fs/promises";
import path from "node:path";

const v2Fields = new Set([
  "apiVersion", "kind", "namespace", "namePrefix", "nameSuffix", "commonLabels", "commonAnnotations",
  "resources", "bases", "patchesStrategicMerge", "patchesJson6902", "configMapGenerator", "secretGenerator",
  "generatorOptions", "images", "vars", "crds", "configurations",
]);
const v2GeneratorFields = new Set(["name", "namespace", "behavior", "literals", "files", "env", "type"]);

// Returns [{field, message}] for one parsed kustomization.yaml in dir.
export async function kustomizationProblems(kustomization, dir) {
  const problems = [];
  if (!kustomization || typeof kustomization !== "object") return [{ field: "(file)", message: "not a YAML mapping" }];
  for (const field of Object.keys(kustomization)) {
    if (!v2Fields.has(field)) problems.push({ field, message: "kubectl 1.20's kustomize (v2) does not know this field" });
  }
  for (const [i, resource] of (kustomization.resources ?? []).entries()) {
    const full = path.join(dir, String(resource));
    const info = await stat(full).catch(() => null);
    if (!info) problems.push({ field: `resources[${i}]`, message: `${resource} does not exist` });
    else if (info.isDirectory()) {
      problems.push({ field: `resources[${i}]`, message: `${resource} is a directory: kustomize v2 reads only files here; list it under bases:` });
    } else if (path.relative(dir, full).startsWith("..")) {
      problems.push({ field: `resources[${i}]`, message: `${resource} is outside the kustomization's directory, which kustomize v2 refuses` });
    }
  }
  for (const list of ["configMapGenerator", "secretGenerator"]) {
    for (const [i, generator] of (kustomization[list] ?? []).entries()) {
      for (const field of Object.keys(generator ?? {})) {
        if (!v2GeneratorFields.has(field)) problems.push({ field: `${list}[${i}].${field}`, message: "kustomize v2 does not know this field" });
      }
    }
  }
  return problems;
}
