// One session message as a chat entry. Payloads are shown as text, never as HTML: whatever
// an agent or a user wrote cannot become markup.
import { memo } from "preact/compat";
import { SessionMessage } from "../api/types";
import { RelativeTime } from "../components/relative_time";
import { parsePayload } from "./payload";

// "1,234 in / 56 out tokens · $0.0123": what a run used, from its run_finished record.
export function describeUsage(body: Record<string, unknown>): string {
  const parts: string[] = [];
  const usage = body.usage as Record<string, unknown> | undefined;
  if (usage && typeof usage === "object") {
    const input = Number(usage.input_tokens ?? 0);
    const output = Number(usage.output_tokens ?? 0);
    const cached = Number(usage.cache_read_input_tokens ?? 0) + Number(usage.cache_creation_input_tokens ?? 0);
    if (input || output) parts.push(`${input.toLocaleString()} in / ${output.toLocaleString()} out tokens`);
    if (cached) parts.push(`${cached.toLocaleString()} cached`);
  }
  if (typeof body.total_cost_usd === "number") parts.push(`$${body.total_cost_usd.toFixed(4)}`);
  return parts.join(" · ");
}

function Lifecycle({ body }: { body: Record<string, unknown> }) {
  if (body.event === "run_started") return <span>Run started</span>;
  const failed = body.status === "error";
  const usage = describeUsage(body);
  return (
    <span class={failed ? "run-failed" : undefined}>
      Run {failed ? "failed" : "completed"}
      {usage && ` · ${usage}`}
      {failed && typeof body.message === "string" && ` · ${body.message}`}
    </span>
  );
}

function Body({ message }: { message: SessionMessage }) {
  const body = parsePayload(message.payload);
  switch (message.event_type) {
    case "user":
    case "assistant":
      return <div class="text">{message.payload}</div>;
    case "lifecycle":
      return body ? <Lifecycle body={body} /> : <div class="text">{message.payload}</div>;
    case "error":
      return <div class="text">{String(body?.message ?? message.payload)}</div>;
    case "reasoning":
    case "thinking":
      return (
        <details>
          <summary>Reasoning</summary>
          <pre>{String(body?.text ?? body?.message ?? message.payload)}</pre>
        </details>
      );
    default:
      // Kinds this console does not know yet: folded, shown raw.
      return (
        <details>
          <summary>{message.event_type}</summary>
          <pre>{message.payload}</pre>
        </details>
      );
  }
}

const kWho: Record<string, string> = {
  user: "You",
  assistant: "Agent",
  error: "Error",
  lifecycle: "Run",
  reasoning: "Agent",
  thinking: "Agent",
};

export const ChatMessage = memo(function ChatMessage({ message }: { message: SessionMessage }) {
  return (
    <li class={`msg msg-${message.event_type.replace(/[^a-z_]/g, "")}`} data-seq={message.seq}>
      <div class="msg-head">
        <span class="who">{kWho[message.event_type] ?? message.event_type}</span>
        <RelativeTime value={message.created_at} />
      </div>
      <Body message={message} />
    </li>
  );
});
