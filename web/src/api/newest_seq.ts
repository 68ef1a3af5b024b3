// Where a session's conversation ends, found without reading it: the API reads messages only
// oldest first (`?after_seq=N&limit=1` is "the first message after N"), and seq numbers are
// shared by all sessions, so the newest seq is searched for (near enough) — a few rounds of probes sent side
// by side, each round narrowing the range kProbes + 1 times. A session of 10,000 messages
// costs about six round trips instead of a replay of all of them.
import { api } from "./client";
import { SessionMessage } from "./types";

const kProbes = 4; // side by side: the browser allows six connections, streams hold some

export interface Bounds {
  first: number; // the session's first seq (0: no messages)
  newest: number; // at most `slack` below its newest seq (0: no messages)
}

async function firstAfter(path: string, after: number): Promise<number | undefined> {
  const page = await api<SessionMessage[]>("GET", `${path}?after_seq=${after}&limit=1`);
  return page[0]?.seq;
}

// Searching stops once the newest seq is known within `slack`: the caller reads more than that.
export async function findBounds(sessionId: string, slack: number): Promise<Bounds> {
  const path = `/sessions/${encodeURIComponent(sessionId)}/messages`;
  const first = await firstAfter(path, 0);
  if (first === undefined) return { first: 0, newest: 0 };
  // lo: a seq of the session's; hi: a seq with none of its messages after.
  let lo = first;
  let hi: number | undefined;
  let reach = 256;
  while (hi === undefined || hi - lo > slack) {
    const probes =
      hi === undefined
        ? Array.from({ length: kProbes }, (_, i) => lo + reach * 16 ** i) // +256, +4096, …
        : Array.from({ length: kProbes }, (_, i) => lo + Math.floor((i * (hi! - lo)) / kProbes));
    const answers = await Promise.all(probes.map((at) => firstAfter(path, at)));
    answers.forEach((seq, i) => {
      if (seq === undefined) hi = hi === undefined ? probes[i] : Math.min(hi, probes[i]);
      else lo = Math.max(lo, seq);
    });
    reach *= 16 ** kProbes;
  }
  return { first, newest: lo };
}
