#!/usr/bin/env node
// deploy-check's validator (scripts/deploy-check renders the kustomizations and calls it):
//   node deploy/check/check.mjs [--sources DIR] [--rendered KUSTOMIZATION_DIR=RENDERED_FILE]... [--containerfile FILE]...
// A kustomization directory named `base` is a base: it may hold no Secret values.
// Prints one line per problem (file: object: field: message) and exits 1 if there is any.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { checkRendered, formatProblem, indexSources, parseYaml } from "./lib/check.mjs";
import { containerfileProblems } from "./lib/containerfile.mjs";
import { kustomizationProblems } from "./lib/kustomization.mjs";

function usage(message) {
  console.error(`check.mjs: ${message}`);
  console.error("usage: check.mjs [--sources DIR] [--rendered DIR=FILE]... [--containerfile FILE]...");
  process.exit(2);
}

const rendered = [];
const containerfiles = [];
let sourcesRoot = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const value = argv[i + 1];
  if (value === undefined) usage(`${argv[i]} needs a value`);
  if (argv[i] === "--rendered") {
    const eq = value.indexOf("=");
    if (eq <= 0) usage(`--rendered ${value}: expected DIR=FILE`);
    rendered.push({ kustomization: value.slice(0, eq), file: value.slice(eq + 1) });
  } else if (argv[i] === "--containerfile") containerfiles.push(value);
  else if (argv[i] === "--sources") sourcesRoot = value;
  else usage(`unknown argument ${argv[i]}`);
  i++;
}
if (rendered.length === 0 && containerfiles.length === 0) usage("nothing to check");

let failures = 0;
const sources = sourcesRoot ? await indexSources(sourcesRoot) : new Map();
for (const { kustomization, file } of rendered) {
  const kustomizationFile = path.join(kustomization, "kustomization.yaml");
  const { objects: [spec] } = parseYaml(await readFile(kustomizationFile, "utf8"));
  for (const problem of await kustomizationProblems(spec, kustomization)) {
    console.log(`${kustomizationFile}: ${problem.field}: ${problem.message}`);
    failures++;
  }
  const isBase = path.basename(kustomization) === "base";
  const { objects, problems } = await checkRendered(await readFile(file, "utf8"), { kustomization, isBase, sources });
  for (const problem of problems) console.log(formatProblem(problem, kustomization));
  failures += problems.length;
  console.error(`deploy-check: ${kustomization}: ${objects.length} objects, ${problems.length} problems`);
}
for (const file of containerfiles) {
  const problems = containerfileProblems(await readFile(file, "utf8"));
  for (const problem of problems) console.log(`${file}:${problem.line}: ${problem.message}`);
  failures += problems.length;
  console.error(`deploy-check: ${file}: ${problems.length} problems`);
}
process.exit(failures > 0 ? 1 : 0);
