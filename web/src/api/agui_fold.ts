// What the live AG-UI events of a run say is happening now, folded into one value: the text
// message being written, its reasoning, and the tool calls made so far with their arguments
// and results. Each stored message that the runner writes back later replaces its part.
export interface LiveToolCall {
  id: string; // toolCallId, as the stored tool_use's tool_call_id
  name: string;
  args: string; // the arguments as streamed (JSON text, possibly partial)
  result: string | undefined;
}

export interface LiveAnswer {
  text: string;
  reasoning: string;
  ended: boolean; // TEXT_MESSAGE_END seen: the stored message is on its way
  tools: LiveToolCall[];
  error: string | undefined; // RUN_ERROR's message, until the stored `error` arrives
}

export interface AguiEvent {
  type: string;
  delta?: string;
  toolCallId?: string;
  toolCallName?: string;
  content?: string;
  message?: string;
}

export const kNoAnswer: LiveAnswer = { text: "", reasoning: "", ended: false, tools: [], error: undefined };

function withTool(answer: LiveAnswer, id: string, change: (tool: LiveToolCall) => LiveToolCall): LiveAnswer {
  return { ...answer, tools: answer.tools.map((tool) => (tool.id === id ? change(tool) : tool)) };
}

// The answer after `event`; the same object when the event changes nothing shown.
export function foldAgui(answer: LiveAnswer, event: AguiEvent): LiveAnswer {
  // A new text message after a finished one starts over; tool calls stay for the run.
  const open = answer.ended ? { ...answer, text: "", reasoning: "", ended: false } : answer;
  const id = event.toolCallId ?? "";
  switch (event.type) {
    case "RUN_STARTED":
      return kNoAnswer;
    case "TEXT_MESSAGE_START":
      return { ...open, text: "" };
    case "TEXT_MESSAGE_CONTENT":
      return { ...open, text: open.text + (event.delta ?? "") };
    case "TEXT_MESSAGE_END":
      return { ...answer, ended: true };
    case "REASONING_MESSAGE_CONTENT":
    case "THINKING_TEXT_MESSAGE_CONTENT":
      return { ...open, reasoning: open.reasoning + (event.delta ?? "") };
    case "TOOL_CALL_START":
      return { ...answer, tools: [...answer.tools, { id, name: event.toolCallName ?? "tool", args: "", result: undefined }] };
    case "TOOL_CALL_ARGS":
      return withTool(answer, id, (tool) => ({ ...tool, args: tool.args + (event.delta ?? "") }));
    case "TOOL_CALL_RESULT":
      return withTool(answer, id, (tool) => ({ ...tool, result: event.content ?? "" }));
    case "RUN_FINISHED":
      return kNoAnswer;
    case "RUN_ERROR":
      return { ...kNoAnswer, error: event.message ?? "the run failed" };
    default:
      return answer;
  }
}
