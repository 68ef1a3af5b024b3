// The conversation as the chat shows it: one entry per message, except that a tool call and
// its result (`tool_use` and `tool_result` with the same `tool_call_id`) are one entry, so a
// call is read with its arguments and its answer together. Entries keep the stored message
// objects as they are, so a row that did not change is not drawn again.
import { SessionMessage } from "./types";

export type Entry =
  | { kind: "message"; key: number; message: SessionMessage }
  | { kind: "tool"; key: number; call: SessionMessage | undefined; result: SessionMessage | undefined };

function toolCallId(message: SessionMessage): string | undefined {
  try {
    const body = JSON.parse(message.payload) as { tool_call_id?: unknown };
    return typeof body?.tool_call_id === "string" && body.tool_call_id !== "" ? body.tool_call_id : undefined;
  } catch {
    return undefined;
  }
}

// Grouping is incremental: `grouper.add(messages)` takes the messages that arrived since the
// last call, and `entries` is a new array only when something was added.
export class EntryGrouper {
  entries: Entry[] = [];
  readonly toolCallIds = new Set<string>();
  private readonly openCalls = new Map<string, number>(); // tool_call_id → index in entries

  add(messages: SessionMessage[]): void {
    if (messages.length === 0) return;
    const entries = this.entries.slice();
    for (const message of messages) {
      if (message.event_type === "tool_use") {
        const id = toolCallId(message);
        if (id !== undefined) {
          this.openCalls.set(id, entries.length);
          this.toolCallIds.add(id);
        }
        entries.push({ kind: "tool", key: message.seq, call: message, result: undefined });
      } else if (message.event_type === "tool_result") {
        const id = toolCallId(message);
        const at = id === undefined ? undefined : this.openCalls.get(id);
        const open = at === undefined ? undefined : entries[at];
        if (open && open.kind === "tool" && open.result === undefined) {
          entries[at!] = { ...open, result: message };
          this.openCalls.delete(id!);
        } else {
          if (id !== undefined) this.toolCallIds.add(id);
          entries.push({ kind: "tool", key: message.seq, call: undefined, result: message });
        }
      } else {
        entries.push({ kind: "message", key: message.seq, message });
      }
    }
    this.entries = entries;
  }
}
