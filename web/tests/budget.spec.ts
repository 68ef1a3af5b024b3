// Issue 16's budgets, measured in the browser: the first load's compressed JS and CSS, and
// the session page with 10,000 messages beside 10,000 plain <div>s (ten_thousand.ts). Both
// are asserted; bench/web/run runs this file and prints its "bench-web:" lines.
import { kCount, longSession, measureRender } from "./ten_thousand";
import { expect, signIn, test } from "./fixtures";

const kFirstLoadBudgetBytes = 150 * 1024;

test("the first load is under 150 KB of compressed JS and CSS", async ({ page }) => {
  let bytes = 0;
  const assets: string[] = [];
  page.on("requestfinished", async (request) => {
    const response = await request.response();
    if (!response || !/\.(js|css)$/.test(new URL(request.url()).pathname)) return;
    expect(response.headers()["content-encoding"]).toBe("gzip");
    bytes += (await request.sizes()).responseBodySize;
    assets.push(new URL(request.url()).pathname);
  });
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in to Ambient" })).toBeVisible();
  await expect.poll(() => assets.length).toBe(2);
  const line = `first load: ${bytes} bytes of gzip-compressed JS and CSS (${(bytes / 1024).toFixed(1)} KB; budget 150 KB) in ${assets.join(", ")}`;
  test.info().annotations.push({ type: "first load", description: line });
  console.log(`bench-web: ${line}`);
  expect(bytes).toBeGreaterThan(0);
  expect(bytes).toBeLessThan(kFirstLoadBudgetBytes);
});

test("a session with 10,000 messages renders in under 1 s", async ({ page }) => {
  test.setTimeout(300_000);
  const session = await longSession("long-session");
  // The first visit warms the browser's cache of the console's files, as for a user who has
  // the console open; the second is measured.
  await measureRender(page.context(), session.id);
  const { sessionMs, plainMs } = await measureRender(page.context(), session.id);
  const ratio = sessionMs / plainMs;
  const line = `render: session page with ${kCount} messages ${sessionMs.toFixed(0)} ms from navigation (budget 1000 ms); ${kCount} plain divs ${plainMs.toFixed(0)} ms; ratio ${ratio.toFixed(2)}`;
  test.info().annotations.push({ type: "10,000 messages", description: line });
  console.log(`bench-web: ${line}`);
  await signIn(page);
  const chat = page.getByRole("log", { name: "Messages" });
  await page.goto(`/sessions/${session.id}`);
  await expect(chat.locator(".msg-user").last()).toBeInViewport();
  // Earlier messages: those read are drawn first, then older ones are read.
  const earlier = chat.getByRole("button", { name: "Show earlier messages" });
  await expect(chat.getByText("message 9700", { exact: true })).toHaveCount(0);
  await earlier.click();
  await expect(chat.getByText("message 9700", { exact: true })).toBeAttached();
  await earlier.click();
  await expect(chat.getByText("message 8000", { exact: true })).toBeAttached();
  expect(sessionMs).toBeLessThan(1_000);
});
