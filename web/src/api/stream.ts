// Follows a server-sent event stream over fetch — EventSource cannot send an Authorization
// header — and reconnects after a drop with the last id it handed out as Last-Event-ID, so
// the server resumes right after it: no event is lost, none is delivered twice.
import { ApiError, authHeaders, errorFrom, kApiBase } from "./client";
import { SseFrame, SseParser } from "./sse_parser";

export type StreamState = "connecting" | "open" | "reconnecting" | "failed";

export interface StreamOptions {
  path: string; // under the API base, query included
  lastEventId?: string; // resume after this id on the first connection too
  onFrame: (frame: SseFrame) => void;
  onOpen?: () => void; // each time the response headers arrive
  onState?: (state: StreamState, error?: ApiError) => void;
  signal: AbortSignal;
}

// Backoff between reconnects: quick at first, never more than kMaxDelayMs.
const kFirstDelayMs = 500;
const kMaxDelayMs = 15_000;

// A refusal that reconnecting will not cure (403, 404, 400); 429 and 5xx are worth a retry.
function isFinal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// Runs until `signal` aborts or the server refuses for good (onState "failed").
export async function followStream(options: StreamOptions): Promise<void> {
  let lastEventId = options.lastEventId;
  let delay = kFirstDelayMs;
  while (!options.signal.aborted) {
    options.onState?.("connecting");
    try {
      const headers: Record<string, string> = { ...authHeaders(), Accept: "text/event-stream" };
      if (lastEventId !== undefined) headers["Last-Event-ID"] = lastEventId;
      const response = await fetch(kApiBase + options.path, { headers, signal: options.signal, cache: "no-store" });
      if (!response.ok || !response.body) {
        const error = await errorFrom(response);
        if (isFinal(error.status)) {
          options.onState?.("failed", error);
          return;
        }
        throw error;
      }
      options.onState?.("open");
      options.onOpen?.();
      delay = kFirstDelayMs;
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const frame of parser.push(value)) {
          options.onFrame(frame);
          if (frame.id !== undefined) lastEventId = frame.id;
        }
      }
    } catch (error) {
      if (options.signal.aborted) return;
      options.onState?.("reconnecting", error instanceof ApiError ? error : undefined);
    }
    // The server ended the stream (token expiry, restart) or the network dropped it.
    if (options.signal.aborted) return;
    options.onState?.("reconnecting");
    await pause(delay, options.signal);
    delay = Math.min(delay * 2, kMaxDelayMs);
  }
}
