// Issue 16's render budget, measured with the browser's Performance API: from navigation to
// the newest of 10,000 messages drawn on the session page, beside a page of 10,000 plain
// <div>s (served by the test on the console's origin, no script) in the same browser.
import { BrowserContext, Page } from "@playwright/test";
import { Project, Session } from "../src/api/types";
import { apiCall, serviceToken } from "./platform";

export const kCount = 10_000;

// A session holding `count` user messages, "message 1" … "message <count>".
export async function longSession(project: string, count = kCount): Promise<Session> {
  await apiCall<Project>("POST", "/projects", { name: project });
  const session = await apiCall<Session>("POST", "/sessions", { name: "ten-thousand", project_id: project });
  const kParallel = 16;
  for (let first = 1; first <= count; first += kParallel) {
    const batch = [];
    for (let n = first; n < first + kParallel && n <= count; n++) batch.push(n);
    // In order within a batch does not matter: the page shows them by seq.
    await Promise.all(batch.map((n) => apiCall("POST", `/sessions/${session.id}/messages`, { payload: `message ${n}` })));
  }
  return session;
}

// Milliseconds from navigation start until an element holding `text` is in the document and
// a frame has been drawn with it (a MutationObserver installed before the page's own script).
async function timeUntilText(page: Page, url: string, selector: string, text: string): Promise<number> {
  await page.addInitScript(
    ({ selector, text }) => {
      const w = window as unknown as { __drawnAt?: number };
      const check = (observer: MutationObserver) => {
        const found = Array.from(document.querySelectorAll(selector)).some((e) => e.textContent === text);
        if (!found) return;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => (w.__drawnAt = performance.now()), 0));
      };
      const observer = new MutationObserver(() => check(observer));
      observer.observe(document, { childList: true, subtree: true });
      document.addEventListener("DOMContentLoaded", () => check(observer));
    },
    { selector, text },
  );
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __drawnAt?: number }).__drawnAt !== undefined, null, {
    timeout: 30_000,
  });
  if (process.env.AMBIENT_WEB_PROFILE === "1") {
    const entries = await page.evaluate(() =>
      performance.getEntriesByType("resource").map((e) => `${e.name.replace(/^.*\/\/[^/]+/, "")} ${e.startTime.toFixed(0)}→${(e as PerformanceResourceTiming).responseEnd.toFixed(0)}`),
    );
    const marks = await page.evaluate(() => performance.getEntriesByType("mark").map((e) => `${e.name} ${e.startTime.toFixed(0)}`));
    console.log(`${url}:\n  ${entries.join("\n  ")}\n  ${marks.join("\n  ")}`);
  }
  return page.evaluate(() => (window as unknown as { __drawnAt: number }).__drawnAt);
}

export interface RenderTimes {
  sessionMs: number;
  plainMs: number;
}

// The session page, signed in with the service token, and then the plain page, each in a
// fresh tab of the browser context.
export async function measureRender(context: BrowserContext, sessionId: string, count = kCount): Promise<RenderTimes> {
  const sessionTab = await context.newPage();
  await sessionTab.addInitScript((token) => sessionStorage.setItem("ambient.token", token), serviceToken());
  const sessionMs = await timeUntilText(sessionTab, `/sessions/${sessionId}`, "[role=log] .msg .text", `message ${count}`);
  await sessionTab.close();

  const plainTab = await context.newPage();
  await plainTab.goto("/");
  const plainMs = await plainTab.evaluate(async (count) => {
    const started = performance.now();
    const box = document.createElement("div");
    for (let n = 1; n <= count; n++) {
      const row = document.createElement("div");
      row.textContent = `message ${n}`;
      box.append(row);
    }
    document.body.append(box);
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    return performance.now() - started;
  }, count);
  await plainTab.close();
  return { sessionMs, plainMs };
}
