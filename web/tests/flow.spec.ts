// Issue 16's whole flow in the console, against the real platform: a project, an agent and a
// credential created in the pages, the credential granted, the agent started with a task and
// its echo answers streaming into the chat, a second message, a stop, and a rotation whose
// token never reaches the page, its DOM or any response it received. Then what a user
// without rights sees (404s, not data), and markup in names rendered as text.
import { Page } from "@playwright/test";
import { Agent, Credential, Project, Session } from "../src/api/types";
import { apiCall, platformUrl, serviceToken, userToken } from "./platform";
import { expect, expectAccessible, screenshots, signIn, test } from "./fixtures";

// The "Create …" fold of a list page, opened if it is not already.
async function openCreate(page: Page): Promise<void> {
  const fold = page.locator("details.create");
  if ((await fold.getAttribute("open")) === null) await fold.locator("summary").click();
}

// Every body of every non-streaming API response the page receives.
function recordResponses(page: Page): () => Promise<string[]> {
  const bodies: Promise<string>[] = [];
  page.on("response", (response) => {
    if (!response.url().includes("/api/")) return;
    if ((response.headers()["content-type"] ?? "").includes("text/event-stream")) return;
    bodies.push(response.text().catch(() => ""));
  });
  return () => Promise.all(bodies);
}

// What a watch stream replays from its start, read for a moment: the changes the page's
// streams carried.
async function streamHistory(collection: string): Promise<string> {
  const abort = new AbortController();
  const response = await fetch(`${platformUrl()}/api/ambient/v1${collection}?watch=true&after_event_id=0`, {
    headers: { Authorization: `Bearer ${serviceToken()}`, Accept: "text/event-stream" },
    signal: abort.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  setTimeout(() => abort.abort(), 1500);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
  } catch {
    // aborted: enough has been read
  }
  return text;
}

test("project, agent and credential created, granted, started, chatted with, stopped, revoked and rotated", async ({ page }) => {
  test.setTimeout(180_000);
  page.on("dialog", (dialog) => void dialog.accept());
  const received = recordResponses(page);
  const firstSecret = `ghp_first_${Date.now()}_secret`;
  const secondSecret = `ghp_second_${Date.now()}_secret`;

  await signIn(page);
  await page.getByLabel("New project name").fill("flow-demo");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name: "flow-demo", level: 1 })).toBeVisible();

  // An agent, from the project's Agents tab.
  await page.getByRole("navigation", { name: "Project sections" }).getByRole("link", { name: "Agents" }).click();
  await expect(page.getByText("No agents in this project yet")).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "project-agents-empty");
  await openCreate(page);
  await page.getByLabel("Agent name").fill("helper");
  await page.getByLabel("Standing instructions").fill("Answer briefly.");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByRole("heading", { name: "helper", level: 1 })).toBeVisible();
  const agentUrl = page.url();

  // A credential for the project, then granted to it.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Credentials" }).click();
  await expect(page.getByRole("heading", { name: "Credentials", level: 1 })).toBeVisible();
  await openCreate(page);
  await page.getByLabel("Credential name").fill("gh-flow");
  await page.getByLabel("Provider").selectOption("github");
  await page.getByLabel("Token", { exact: true }).fill(firstSecret);
  await page.getByLabel("Project (optional)").fill("flow-demo");
  await page.getByRole("button", { name: "Create credential" }).click();
  await expect(page.getByRole("heading", { name: "gh-flow", level: 1 })).toBeVisible();
  await expect(page.getByText("Not granted to anything yet")).toBeVisible();
  await expect(page.getByLabel("Project", { exact: true })).toHaveValue("flow-demo");
  await page.getByRole("button", { name: "Grant", exact: true }).click();
  const grants = page.getByRole("table", { name: "Grants and access" });
  await expect(grants.getByRole("row").filter({ hasText: "credential:token-reader" })).toContainText("project flow-demo");
  // And to the agent alone, as a viewer: the agent is chosen from the project's.
  await page.getByLabel("Agent", { exact: true }).selectOption({ label: "only helper's sessions" });
  await page.getByLabel("As").selectOption("credential:viewer");
  await page.getByRole("button", { name: "Grant", exact: true }).click();
  await expect(grants.getByRole("row").filter({ hasText: "credential:viewer" })).toContainText("agent");
  await expectAccessible(page);
  await screenshots(page, "credential");

  // The agent started with a task: its session opens and the echo answer streams in.
  await page.goto(agentUrl);
  await expect(page.getByText("This agent has not run yet")).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "agent");
  await page.getByLabel("Task for this run").fill("say hello to the flow");
  await page.getByRole("button", { name: "Start agent" }).click();
  await expect(page.getByRole("heading", { name: /^helper-\d+$/ })).toBeVisible();
  const sessionId = page.url().split("/").pop()!;
  const chat = page.getByRole("log", { name: "Messages" });
  await expect(chat.locator(".msg-user").first()).toContainText("say hello to the flow");
  await expect(chat.locator(".msg-assistant").first()).toContainText("echo:", { timeout: 60_000 });
  // The grant reached the session: its runner may read the credential.
  const granted = await apiCall<{ items: { name: string; grant: string }[] }>("GET", `/sessions/${sessionId}/credentials`);
  expect(granted.items).toContainEqual(expect.objectContaining({ name: "gh-flow", grant: "agent" }));

  await page.getByLabel("Message", { exact: true }).fill("a second message");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(chat.locator(".msg-assistant").nth(1)).toContainText("echo: a second message", { timeout: 60_000 });
  await page.getByRole("button", { name: /^Stop / }).click();
  await expect(page.locator(".page-head .phase")).toHaveText("Stopped", { timeout: 30_000 });

  // Revoked: the agent's grant goes, live, and the session no longer gets it that way.
  await page.goto("/credentials");
  await page.getByRole("link", { name: "gh-flow" }).click();
  await grants.getByRole("button", { name: "Remove credential:viewer for (no user)" }).click();
  await expect(grants.getByRole("row").filter({ hasText: "credential:viewer" })).toHaveCount(0);
  const after = await apiCall<{ items: { name: string; grant: string }[] }>("GET", `/sessions/${sessionId}/credentials`);
  expect(after.items).toContainEqual(expect.objectContaining({ name: "gh-flow", grant: "project" }));

  // The agent page lists the session, live.
  await page.goto(agentUrl);
  await expect(page.getByRole("link", { name: /^helper-\d+$/ })).toBeVisible();

  // Rotation: the new token is sent once, the field is emptied, nothing shows either token.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Credentials" }).click();
  await page.getByRole("link", { name: "gh-flow" }).click();
  await page.getByLabel("New token").fill(secondSecret);
  await page.getByRole("button", { name: "Rotate token" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Token replaced." })).toBeVisible();
  await expect(page.getByLabel("New token")).toHaveValue("");
  const token = await apiCall<{ token: string }>("GET", `/credentials/${(await apiCall<{ items: Credential[] }>("GET", "/credentials?search=name%3D%27gh-flow%27")).items[0].id}/token`);
  expect(token.token).toBe(secondSecret);

  const dom = await page.evaluate(
    () => document.documentElement.outerHTML + [...document.querySelectorAll("input, textarea")].map((e) => (e as HTMLInputElement).value).join("\n"),
  );
  const bodies = (await received()).join("\n") + (await streamHistory("/credentials"));
  for (const secret of [firstSecret, secondSecret]) {
    expect(await page.content()).not.toContain(secret);
    expect(dom).not.toContain(secret);
    expect(bodies).not.toContain(secret);
  }
  expect(bodies.length).toBeGreaterThan(1000);
});

test("a user without rights sees 404s, not data", async ({ page }) => {
  await apiCall<Project>("POST", "/projects", { name: "private-demo" });
  const agent = await apiCall<Agent>("POST", "/projects/private-demo/agents", { name: "secret-agent" });
  const session = await apiCall<Session>("POST", "/sessions", { name: "secret-session", project_id: "private-demo" });
  const credential = await apiCall<Credential>("POST", "/credentials", { name: "secret-cred", provider: "github", token: "t0ken-private" });

  await signIn(page, userToken("mallory"));
  await expect(page.getByText("No projects yet")).toBeVisible();
  for (const [path, title] of [
    ["/projects/private-demo", "Project private-demo"],
    [`/agents/${agent.id}`, "Agent"],
    [`/sessions/${session.id}`, "Session"],
    [`/credentials/${credential.id}`, "Credential"],
  ]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
    await expect(page.getByRole("alert")).toContainText("Not found");
    await expect(page.getByText(/secret-(agent|session|cred)/)).toHaveCount(0);
  }
  await expectAccessible(page);
  await screenshots(page, "not-found");
  await page.goto("/credentials");
  await expect(page.getByText("No credentials yet")).toBeVisible();
  await page.goto("/role-bindings");
  await expect(page.getByText("No role bindings you can see")).toBeVisible();
  await page.goto("/audit");
  await expect(page.getByRole("alert")).toContainText("Forbidden");
});

test("markup in agent, credential and message text is shown as text, never run", async ({ page }) => {
  const markup = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
  await apiCall<Project>("POST", "/projects", { name: "markup-pages" });
  const agent = await apiCall<Agent>("POST", "/projects/markup-pages/agents", { name: markup, description: markup, prompt: markup });
  const credential = await apiCall<Credential>("POST", "/credentials", { name: markup, provider: "github", description: markup, project_id: "markup-pages" });
  await signIn(page);
  await page.goto("/projects/markup-pages?tab=agents");
  await expect(page.getByRole("link", { name: markup })).toBeVisible();
  await page.goto(`/agents/${agent.id}`);
  await expect(page.getByRole("heading", { name: markup, level: 1 })).toBeVisible();
  await expect(page.getByLabel("Standing instructions")).toHaveValue(markup);
  await page.goto(`/credentials/${credential.id}`);
  await expect(page.getByRole("heading", { name: markup, level: 1 })).toBeVisible();
  await page.goto("/credentials");
  await expect(page.getByRole("link", { name: markup })).toBeVisible();
  await expect(page.locator("img")).toHaveCount(0);
  const session = await apiCall<Session>("POST", "/sessions", { name: markup, project_id: "markup-pages", agent_id: agent.id });
  await apiCall("POST", `/sessions/${session.id}/messages`, { payload: markup });
  await page.goto(`/sessions/${session.id}`);
  await expect(page.getByRole("log", { name: "Messages" }).locator(".msg-user")).toContainText(markup);
  await page.goto(`/agents/${agent.id}`);
  await expect(page.getByRole("link", { name: markup })).toBeVisible();
  await expect(page.locator("img")).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});

test("a token that stops working mid-session keeps the composer's text through sign-in", async ({ page }) => {
  await apiCall<Project>("POST", "/projects", { name: "expiry-pages" });
  const session = await apiCall<Session>("POST", "/sessions", { name: "keep-my-words", project_id: "expiry-pages" });
  await signIn(page);
  await page.goto(`/sessions/${session.id}`);
  const composer = page.getByLabel("Message", { exact: true });
  await composer.fill("words I do not want to type again");
  // The server stops accepting the token (as at expiry or revocation).
  await page.evaluate(() => sessionStorage.setItem("ambient.token", "revoked-token"));
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Ambient" })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("expired or was revoked");
  await page.getByLabel("Access token").fill(serviceToken());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(composer).toHaveValue("words I do not want to type again");
  expect(await apiCall<unknown[]>("GET", `/sessions/${session.id}/messages`)).toEqual([]);
});
