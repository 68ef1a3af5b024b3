// A tool call as the chat shows it: folded (a <details>, opened with a click or Enter/Space on
// its summary), and when opened its arguments and its result. Stored calls (tool_use and
// tool_result messages) and live ones (AG-UI TOOL_CALL_* events) are drawn the same way.
import { memo } from "preact/compat";
import { SessionMessage } from "../api/types";
import { RelativeTime } from "../components/relative_time";
import { parsePayload, pretty } from "./payload";

export interface ToolCallViewProps {
  name: string;
  args: string | undefined; // undefined: the call itself was not recorded
  result: string | undefined; // undefined: no result yet
  live?: boolean;
}

export function ToolCallView({ name, args, result, live }: ToolCallViewProps) {
  const state = result !== undefined ? "" : live ? " (running…)" : " (no result yet)";
  return (
    <details class="tool-call">
      <summary>
        Tool call: <code>{name}</code>
        {state}
      </summary>
      {args !== undefined && (
        <div class="tool-part">
          <span class="tool-label">Arguments</span>
          <pre>{args}</pre>
        </div>
      )}
      {result !== undefined && (
        <div class="tool-part">
          <span class="tool-label">Result</span>
          <pre>{result}</pre>
        </div>
      )}
    </details>
  );
}

// Arguments streamed as JSON text read better indented, once they are whole.
export function prettyJsonText(text: string): string {
  try {
    return pretty(JSON.parse(text));
  } catch {
    return text;
  }
}

export const StoredToolCall = memo(function StoredToolCall({
  call,
  result,
}: {
  call: SessionMessage | undefined;
  result: SessionMessage | undefined;
}) {
  const callBody = call && parsePayload(call.payload);
  const resultBody = result && parsePayload(result.payload);
  const first = call ?? result!;
  return (
    <li class="msg msg-tool" data-seq={first.seq}>
      <div class="msg-head">
        <span class="who">Tool</span>
        <RelativeTime value={first.created_at} />
      </div>
      <ToolCallView
        name={String(callBody?.tool ?? "tool")}
        args={call && pretty(callBody?.input ?? call.payload)}
        result={result && pretty(resultBody?.result ?? result.payload)}
      />
    </li>
  );
});
