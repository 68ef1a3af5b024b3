// Checks of a rendered kustomization: every object against the schemas (schema.mjs) and the
// project's rules (policy.mjs); problems carry the source file, the object and the field.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { nameProblems, schemaProblems } from "./schema.mjs";
import { podProblems, rbacProblems, secretProblems } from "./policy.mjs";

export function describeObject(object) {
  const kind = object?.kind ?? "?";
  const name = object?.metadata?.name ?? "?";
  const namespace = object?.metadata?.namespace;
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

// YAML text → objects; a document that does not parse is a problem of its own.
export function parseYaml(text) {
  const objects = [];
  const problems = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      problems.push({ field: "(yaml)", message: doc.errors[0].message });
      continue;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return { objects, problems };
}

// The source file of each kind/name under root (kustomization files aside), so that a problem
// in rendered output names the file to edit. A generated or patched name falls back to the
// kustomization directory.
export async function indexSources(root) {
  const index = new Map();
  async function walk(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    // Strategic-merge patches hold only what they change: not where an object is defined.
    const patches = new Set();
    for (const entry of entries) {
      if (/^kustomization\.ya?ml$/.test(entry.name)) {
        const { objects } = parseYaml(await readFile(path.join(dir, entry.name), "utf8"));
        for (const patch of objects[0]?.patchesStrategicMerge ?? []) patches.add(path.join(dir, String(patch)));
      }
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.ya?ml$/.test(entry.name) && !/^kustomization\.ya?ml$/.test(entry.name) && !patches.has(full)) {
        const { objects } = parseYaml(await readFile(full, "utf8"));
        for (const object of objects) {
          if (!object?.kind || !object?.metadata?.name) continue;
          const key = `${object.kind}/${object.metadata.name}`;
          if (!index.has(key)) index.set(key, full);
        }
      }
    }
  }
  await walk(root);
  return index;
}

// Kubernetes decodes base64 fields as Go does, skipping line breaks; kustomize folds long values.
function asDecoded(object) {
  if (object?.kind !== "Secret" || !object.data || typeof object.data !== "object") return object;
  const data = Object.fromEntries(
    Object.entries(object.data).map(([key, value]) => [key, typeof value === "string" ? value.replace(/[\r\n]/g, "") : value]),
  );
  return { ...object, data };
}

// Problems of one rendered kustomization: [{file, object, field, message}].
export async function checkRendered(text, { kustomization, isBase, sources = new Map() }) {
  const { objects, problems: yamlProblems } = parseYaml(text);
  const problems = yamlProblems.map((p) => ({ file: kustomization, object: "(document)", ...p }));
  const seen = new Set();
  for (const object of objects) {
    const file = sources.get(`${object?.kind}/${object?.metadata?.name}`) ?? kustomization;
    const where = { file, object: describeObject(object) };
    const identity = `${object?.apiVersion}/${describeObject(object)}`;
    if (seen.has(identity)) problems.push({ ...where, field: "metadata.name", message: "defined twice" });
    seen.add(identity);
    const found = [
      ...(await schemaProblems(asDecoded(object))),
      ...nameProblems(object),
      ...podProblems(object),
      ...secretProblems(object, { isBase }),
      ...rbacProblems(object),
    ];
    for (const problem of found) problems.push({ ...where, ...problem });
  }
  return { objects, problems };
}

export function formatProblem(problem, renderedFrom) {
  const origin = renderedFrom && renderedFrom !== problem.file ? ` (rendered from ${renderedFrom})` : "";
  return `${problem.file}: ${problem.object}: ${problem.field}: ${problem.message}${origin}`;
}
