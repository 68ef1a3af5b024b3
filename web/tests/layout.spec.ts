// Every page, filled with data: no serious or critical axe violation, screenshots in both
// themes at both widths, and a layout that holds at phone width (390 px) and at 200 % zoom
// (a 1280×800 screen zoomed twice: 640×400 CSS px at device scale 2) — nothing scrolls
// sideways, no control is cut off, and no header, badge, button or tab breaks mid-word.
import { Page } from "@playwright/test";
import { Agent, Credential, Project, Role, Session } from "../src/api/types";
import { apiCall } from "./platform";
import { expect, expectAccessible, screenshots, signIn, test } from "./fixtures";

interface Fixture {
  agent: Agent;
  session: Session;
  credential: Credential;
}

let fixture: Fixture | undefined;

// One project with an agent, a started session, a granted credential and a member, made
// once for the file (and found again by a worker started after a failure).
async function setUp(): Promise<Fixture> {
  if (fixture) return fixture;
  const agents = await apiCall<{ items: Agent[] }>("GET", "/projects/layout-demo/agents").catch(() => undefined);
  if (agents?.items.length) {
    const agent = agents.items[0];
    const sessions = await apiCall<{ items: Session[] }>("GET", `/projects/layout-demo/agents/${agent.id}/sessions`);
    const credentials = await apiCall<{ items: Credential[] }>("GET", "/projects/layout-demo/credentials");
    fixture = { agent, session: sessions.items[0], credential: credentials.items[0] };
    return fixture;
  }
  const roles = (await apiCall<{ items: Role[] }>("GET", "/roles?size=100")).items;
  const role = (name: string) => roles.find((r) => r.name === name)!.id;
  await apiCall<Project>("POST", "/projects", { name: "layout-demo", description: "Where the layout is checked" });
  const agent = await apiCall<Agent>("POST", "/projects/layout-demo/agents", {
    name: "layout-agent-with-a-rather-long-name",
    description: "Reviews pull requests",
  });
  const started = await apiCall<{ session: Session }>("POST", `/projects/layout-demo/agents/${agent.id}/start`, { prompt: "check the layout" });
  const credential = await apiCall<Credential>("POST", "/credentials", {
    name: "layout-credential",
    provider: "github",
    token: "layout-token-never-shown",
    project_id: "layout-demo",
  });
  await apiCall("POST", "/role_bindings", {
    role_id: role("credential:token-reader"),
    scope: "credential",
    credential_id: credential.id,
    project_id: "layout-demo",
  });
  await apiCall("POST", "/role_bindings", { role_id: role("project:viewer"), scope: "project", project_id: "layout-demo", user_id: "alice" });
  fixture = { agent, session: started.session, credential };
  return fixture;
}

// The pages, each with the heading that says it has loaded.
function pages(f: Fixture): [string, string, string][] {
  return [
    ["projects", "/", "Projects"],
    ["project-sessions", "/projects/layout-demo", "layout-demo"],
    ["project-agents", "/projects/layout-demo?tab=agents", "layout-demo"],
    ["project-members", "/projects/layout-demo?tab=members", "layout-demo"],
    ["agent-with-session", `/agents/${f.agent.id}`, f.agent.name],
    ["session-of-agent", `/sessions/${f.session.id}`, f.session.name],
    ["credentials", "/credentials", "Credentials"],
    ["credential-granted", `/credentials/${f.credential.id}`, "layout-credential"],
    ["role-bindings", "/role-bindings", "Role bindings"],
    ["audit", "/audit", "Audit log"],
  ];
}

async function open(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole("heading", { name: heading, level: 1, exact: true })).toBeVisible();
  // Lists arrive after the heading, with their streams: wait until every one is live.
  await expect(page.locator("[aria-busy=true]")).toHaveCount(0);
  await expect(page.locator(".live:not(.live-open)")).toHaveCount(0);
}

// What does not fit: sideways scrolling, controls past either edge, short texts over lines.
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    if (document.documentElement.scrollWidth > width) {
      problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${width})`);
    }
    const visible = (element: Element) => {
      const rect = element.getBoundingClientRect();
      return rect.width > 1 && rect.height > 1;
    };
    for (const element of document.querySelectorAll("button, input, select, textarea, a:not(.skip), summary")) {
      const rect = element.getBoundingClientRect();
      if (visible(element) && (rect.left < -1 || rect.right > width + 1)) {
        problems.push(`${element.tagName.toLowerCase()} “${element.textContent?.trim()}” cut off (${Math.round(rect.left)}–${Math.round(rect.right)})`);
      }
    }
    // Words kept whole: these short texts sit on one line.
    for (const element of document.querySelectorAll("th, .phase, button, .tabs a, .main-nav a, label")) {
      if (!visible(element) || (element.textContent ?? "").trim().includes(" ")) continue;
      const range = document.createRange();
      range.selectNodeContents(element);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) problems.push(`“${element.textContent?.trim()}” breaks over ${tops.size} lines`);
    }
    return problems;
  });
}

test("every page: accessible, and screenshots in light and dark at desktop and phone width", async ({ page }) => {
  test.setTimeout(240_000);
  const f = await setUp();
  await signIn(page);
  for (const [name, path, heading] of pages(f)) {
    await open(page, path, heading);
    await expectAccessible(page);
    await screenshots(page, name);
  }
});

for (const [what, viewport, deviceScaleFactor] of [
  ["at desktop width (1280 px)", { width: 1280, height: 800 }, 1],
  ["at phone width (390 px)", { width: 390, height: 844 }, 3],
  ["at 200 % zoom (640×400 at scale 2)", { width: 640, height: 400 }, 2],
] as const) {
  test.describe(what, () => {
    test.use({ viewport, deviceScaleFactor });
    test(`every page fits ${what}: no sideways scroll, no control cut off, words whole`, async ({ page }) => {
      test.setTimeout(240_000);
      const f = await setUp();
      await signIn(page);
      for (const [name, path, heading] of pages(f)) {
        await open(page, path, heading);
        expect(await layoutProblems(page), name).toEqual([]);
      }
    });
  });
}
