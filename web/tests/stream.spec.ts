// The SSE reader on its own (no browser): frames split anywhere, and a dropped connection
// resumed with Last-Event-ID so that every event arrives once. The fake server below is a
// real HTTP server on 127.0.0.1 that drops its first connection after three events.
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { SseParser } from "../src/api/sse_parser";
import { expect, test } from "@playwright/test";

test("frames are whole whatever the chunking, comments skipped", () => {
  const text = ": ping\n\nid: 1\ndata: {\"a\":1}\n\r\nid: 2\r\nevent: RESYNC\r\ndata: x\r\ndata: y\r\n\r\n";
  for (const size of [1, 2, 3, 7, text.length]) {
    const parser = new SseParser();
    const frames = [];
    for (let i = 0; i < text.length; i += size) frames.push(...parser.push(text.slice(i, i + size)));
    expect(frames).toEqual([
      { id: "1", event: undefined, data: '{"a":1}' },
      { id: "2", event: "RESYNC", data: "x\ny" },
    ]);
  }
});

test("a dropped stream resumes after the last id, losing and doubling nothing", async () => {
  const resumeHeaders: (string | undefined)[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const last = request.headers["last-event-id"] as string | undefined;
    resumeHeaders.push(last);
    response.writeHead(200, { "Content-Type": "text/event-stream" });
    const from = last === undefined ? 1 : Number(last) + 1;
    if (last === undefined) {
      // Three events, then the connection drops mid-frame.
      response.write("id: 1\ndata: one\n\nid: 2\ndata: two\n\nid: 3\ndata: three\n\nid: 4\nda");
      setImmediate(() => request.socket.destroy());
      return;
    }
    for (let id = from; id <= 5; id++) response.write(`id: ${id}\ndata: event ${id}\n\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  // What the browser gives the reader: sessionStorage for the token, fetch on the page's origin.
  const storage = new Map<string, string>([["ambient.token", "t"]]);
  Object.assign(globalThis, {
    sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, removeItem: (k: string) => storage.delete(k) },
  });
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((url: string, init?: RequestInit) => realFetch(`http://127.0.0.1:${port}${url}`, init)) as typeof fetch;
  const { followStream } = await import("../src/api/stream");

  const ids: string[] = [];
  const abort = new AbortController();
  const done = followStream({
    path: "/stream",
    signal: abort.signal,
    onFrame: (frame) => {
      ids.push(frame.id!);
      if (ids.length === 5) abort.abort();
    },
  });
  await expect.poll(() => ids.length, { timeout: 10_000 }).toBe(5);
  await done;
  globalThis.fetch = realFetch;
  server.close();
  expect(ids).toEqual(["1", "2", "3", "4", "5"]);
  expect(resumeHeaders).toEqual([undefined, "3"]);
});
