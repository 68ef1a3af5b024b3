#!/usr/bin/env node
// fake-kube-apiserver: a TEST DOUBLE of the Kubernetes API server (see README.md), not Kubernetes.
//   node server.mjs --port 0 [--host 127.0.0.1] [--token T]... [--tls-cert FILE --tls-key FILE]
// Prints `listening HOST:PORT` once listening; exits on SIGTERM, SIGINT, or when stdin (a pipe)
// closes, so a test that dies does not leave it running.
import http from "node:http";
import https from "node:https";
import fs from "node:fs";

function parseArgs(argv) {
  const options = { port: 0, host: "127.0.0.1", tokens: [] };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case "--port": options.port = Number(value()); break;
      case "--host": options.host = value(); break;
      case "--token": options.tokens.push(value()); break;
      case "--tls-cert": options.cert = value(); break;
      case "--tls-key": options.key = value(); break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) usage("--port must be 0..65535");
  if (Boolean(options.cert) !== Boolean(options.key)) usage("--tls-cert and --tls-key go together");
  return options;
}

function usage(problem) {
  process.stderr.write(`fake-kube-apiserver: ${problem}\n` +
    "usage: server.mjs --port N [--host H] [--token T]... [--tls-cert FILE --tls-key FILE]\n");
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));
// Imported here so that a missing `npm ci` is one clear line, not a module-resolution trace.
const { createFake } = await import("./src/app.mjs").catch((error) => {
  if (error.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write(`fake-kube-apiserver: ${error.message}\n` +
    `  run \`npm ci\` in ${new URL(".", import.meta.url).pathname} (the build's fake-kube-apiserver target does)\n`);
  process.exit(2);
});
const fake = createFake({ tokens: options.tokens });
const server = options.cert
  ? https.createServer({ cert: fs.readFileSync(options.cert), key: fs.readFileSync(options.key) }, fake.handle)
  : http.createServer(fake.handle);
// Watches are long responses; Node's request timeout would otherwise cut them.
server.requestTimeout = 0;

server.listen(options.port, options.host, () => {
  process.stdout.write(`listening ${options.host}:${server.address().port}\n`);
});

function stop() {
  for (const watcher of [...fake.store.watchers]) watcher.close();
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Only a pipe says "the parent is gone" when it closes; /dev/null or a terminal would end at once.
const stdin = fs.fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
}
