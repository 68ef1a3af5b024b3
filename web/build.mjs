// Builds the console into an output directory: hashed, immutable JS and CSS under assets/,
// and index.html (the only file the server must not cache) pointing at them.
// Usage: node build.mjs [OUT_DIR]   (or WEB_OUT_DIR; default ../build/web)
import * as esbuild from "esbuild";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const outDir = path.resolve(process.argv[2] ?? process.env.WEB_OUT_DIR ?? "../build/web");
const assetsDir = path.join(outDir, "assets");
// Old hashed files would pile up build after build; the server serves whatever is listed.
rmSync(assetsDir, { recursive: true, force: true });
mkdirSync(assetsDir, { recursive: true });

const result = await esbuild.build({
  entryPoints: ["src/main.tsx"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: assetsDir,
  entryNames: "[name]-[hash]",
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((name) => name.endsWith(".js"));
const style = outputs.find((name) => name.endsWith(".css"));
if (!script || !style) throw new Error(`expected one .js and one .css output, got ${outputs.join(", ")}`);

// No inline script or style: the server's Content-Security-Policy allows only 'self'.
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Ambient</title>
<link rel="stylesheet" href="/assets/${style}">
<script type="module" src="/assets/${script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Ambient console needs JavaScript; the API is at /api/ambient/v1.</noscript>
</body>
</html>
`;
writeFileSync(path.join(outDir, "index.html"), html);
console.log(`web console built into ${outDir} (${script}, ${style})`);
