// The session page's conversation with every kind of message the runner writes back
// (docs/runner.md, "Write-back"): a tool call folded with its arguments and result and opened
// from the keyboard, an error highlighted, each run's usage and cost. The messages are
// written as the session's runner would, with a runner token the test mints as the service.
import { Project, Session } from "../src/api/types";
import { apiCall, platformUrl } from "./platform";
import { expect, expectAccessible, screenshots, signIn, test } from "./fixtures";
import { AguiEvent, foldAgui, kNoAnswer } from "../src/api/agui_fold";
import { EntryGrouper } from "../src/api/conversation_entries";

async function runnerPost(token: string, sessionId: string, eventType: string, payload: unknown): Promise<void> {
  const response = await fetch(`${platformUrl()}/api/ambient/v1/sessions/${sessionId}/messages`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ event_type: eventType, payload: typeof payload === "string" ? payload : JSON.stringify(payload) }),
  });
  expect(response.status, await response.text()).toBe(201);
}

test("tool calls fold with their arguments and result, errors stand out, runs show usage and cost", async ({ page }) => {
  await apiCall<Project>("POST", "/projects", { name: "conversation" });
  const session = await apiCall<Session>("POST", "/sessions", { name: "tools", project_id: "conversation" });
  await apiCall("POST", `/sessions/${session.id}/start`);
  await expect
    .poll(async () => (await apiCall<Session>("GET", `/sessions/${session.id}`)).phase, { timeout: 30_000 })
    .toBe("Running");
  const { token } = await apiCall<{ token: string }>("POST", `/sessions/${session.id}/runner_token`);

  await apiCall("POST", `/sessions/${session.id}/messages`, { payload: "list the files" });
  await runnerPost(token, session.id, "lifecycle", { event: "run_started", run_id: "r1", user_seq: 1 });
  await runnerPost(token, session.id, "tool_use", { tool: "Bash", tool_call_id: "call-1", input: { command: "ls -la /srv" } });
  await runnerPost(token, session.id, "tool_result", { tool_call_id: "call-1", result: "README.md\n<b>not bold</b>" });
  await runnerPost(token, session.id, "assistant", "There are two files.");
  await runnerPost(token, session.id, "lifecycle", {
    event: "run_finished", status: "completed", run_id: "r1", user_seq: 1,
    usage: { input_tokens: 1234, output_tokens: 56 }, total_cost_usd: 0.0123,
  });
  await runnerPost(token, session.id, "lifecycle", { event: "run_started", run_id: "r2", user_seq: 2 });
  await runnerPost(token, session.id, "error", { run_id: "r2", message: "the model refused: quota exhausted" });
  await runnerPost(token, session.id, "lifecycle", {
    event: "run_finished", status: "error", run_id: "r2", user_seq: 2, message: "the model refused: quota exhausted",
  });

  await signIn(page);
  await page.goto(`/sessions/${session.id}`);
  const chat = page.getByRole("log", { name: "Messages" });

  // One entry for the call and its result, folded: the summary names the tool, the rest is hidden.
  const call = chat.locator(".msg-tool");
  await expect(call).toHaveCount(1);
  const summary = call.locator("summary");
  await expect(summary).toHaveText("Tool call: Bash");
  await expect(call.getByText("ls -la /srv")).toBeHidden();
  await expect(call.locator("details")).not.toHaveAttribute("open");

  // Opened from the keyboard: focus the summary, press Enter; Space folds it again.
  await summary.focus();
  await page.keyboard.press("Enter");
  await expect(call.locator("details")).toHaveAttribute("open");
  await expect(call.getByText("Arguments")).toBeVisible();
  await expect(call.getByText(/"command": "ls -la \/srv"/)).toBeVisible();
  await expect(call.getByText("Result")).toBeVisible();
  await expect(call.locator("pre").last()).toHaveText("README.md\n<b>not bold</b>");
  await expect(call.locator("b")).toHaveCount(0);
  await page.keyboard.press(" ");
  await expect(call.locator("details")).not.toHaveAttribute("open");

  // Usage and cost of the run that completed; the failed run and its error highlighted.
  await expect(chat.getByText("Run completed · 1,234 in / 56 out tokens · $0.0123")).toBeVisible();
  const error = chat.locator(".msg-error");
  await expect(error).toContainText("the model refused: quota exhausted");
  await expect(error.locator(".who")).toHaveText("Error");
  const highlighted = await error.evaluate((e) => getComputedStyle(e).backgroundColor);
  const plain = await chat.locator(".msg-assistant").first().evaluate((e) => getComputedStyle(e).backgroundColor);
  expect(highlighted).not.toBe(plain);
  await expect(chat.locator(".run-failed")).toContainText("Run failed · the model refused: quota exhausted");

  await summary.focus();
  await page.keyboard.press("Enter");
  await expectAccessible(page);
  await screenshots(page, "session-conversation");
  await apiCall("POST", `/sessions/${session.id}/stop`);
});

test("live AG-UI events fold into the answer being written and the run's tool calls", () => {
  const events: AguiEvent[] = [
    { type: "RUN_STARTED" },
    { type: "REASONING_MESSAGE_CONTENT", delta: "think " },
    { type: "TOOL_CALL_START", toolCallId: "t1", toolCallName: "Read" },
    { type: "TOOL_CALL_ARGS", toolCallId: "t1", delta: '{"path":' },
    { type: "TOOL_CALL_ARGS", toolCallId: "t1", delta: '"a.txt"}' },
    { type: "TOOL_CALL_END", toolCallId: "t1" },
    { type: "TOOL_CALL_RESULT", toolCallId: "t1", content: "hello" },
    { type: "TEXT_MESSAGE_START" },
    { type: "TEXT_MESSAGE_CONTENT", delta: "It says " },
    { type: "TEXT_MESSAGE_CONTENT", delta: "hello." },
    { type: "TEXT_MESSAGE_END" },
  ];
  const answer = events.reduce(foldAgui, kNoAnswer);
  expect(answer).toEqual({
    text: "It says hello.",
    reasoning: "think ",
    ended: true,
    tools: [{ id: "t1", name: "Read", args: '{"path":"a.txt"}', result: "hello" }],
    error: undefined,
  });
  // A second message starts its text afresh; the run's tool calls stay until it ends.
  const next = foldAgui(answer, { type: "TEXT_MESSAGE_CONTENT", delta: "More" });
  expect(next.text).toBe("More");
  expect(next.tools).toHaveLength(1);
  expect(foldAgui(next, { type: "RUN_ERROR", message: "boom" })).toEqual({ ...kNoAnswer, error: "boom" });
  expect(foldAgui(next, { type: "RUN_FINISHED" })).toBe(kNoAnswer);
});

test("a tool result joins its call; a result without one stands alone; entries grow only when messages come", () => {
  let seq = 0;
  const message = (event_type: string, payload: unknown) => ({
    id: `m${++seq}`, session_id: "s", seq, event_type, created_at: "2026-12-08T00:00:00Z",
    payload: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
  const grouper = new EntryGrouper();
  const call = message("tool_use", { tool: "Read", tool_call_id: "a", input: {} });
  grouper.add([message("user", "hi"), call]);
  const before = grouper.entries;
  grouper.add([]);
  expect(grouper.entries).toBe(before);
  const result = message("tool_result", { tool_call_id: "a", result: "ok" });
  const orphan = message("tool_result", { tool_call_id: "b", result: "late" });
  grouper.add([result, orphan, message("assistant", "done")]);
  expect(grouper.entries.map((e) => e.kind)).toEqual(["message", "tool", "tool", "message"]);
  expect(grouper.entries[1]).toEqual({ kind: "tool", key: call.seq, call, result });
  expect(grouper.entries[2]).toEqual({ kind: "tool", key: orphan.seq, call: undefined, result: orphan });
  expect(grouper.entries[0]).toBe(before[0]);
  expect([...grouper.toolCallIds]).toEqual(["a", "b"]);
});
