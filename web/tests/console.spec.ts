// The console against the real platform: sign-in, projects, a session whose echo answers
// stream into the chat, accessibility and screenshots of each page, and bad input.
import { Project, Session } from "../src/api/types";
import { apiCall } from "./platform";
import { expect, expectAccessible, screenshots, signIn, test } from "./fixtures";

test("a wrong token is refused on the sign-in page", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in to Ambient" })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "sign-in");
  await page.getByLabel("Access token").fill("not-a-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("That token was not accepted.");
  // Kept in this tab's sessionStorage only, and here not at all.
  expect(await page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([0, 0]);
});

test("the token is kept in sessionStorage, never localStorage", async ({ page }) => {
  await signIn(page);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  expect(await page.evaluate(() => sessionStorage.getItem("ambient.token"))).not.toBeNull();
});

test("a project created in the console, a session in it, and the echo agent's answers in the chat", async ({ page }) => {
  await signIn(page);
  await expectAccessible(page);
  await page.getByLabel("New project name").fill("web-demo");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name: "web-demo", level: 1 })).toBeVisible();
  await expect(page.getByText("No sessions in this project yet")).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel("New session name").fill("first-chat");
  await page.getByRole("button", { name: "Create and start" }).click();
  await expect(page.getByRole("heading", { name: "first-chat" })).toBeVisible();
  await expect(page.getByText("live", { exact: true })).toBeVisible();

  const composer = page.getByLabel("Message", { exact: true });
  await composer.fill("hello from the web console");
  await page.getByRole("button", { name: "Send" }).click();
  const chat = page.getByRole("log", { name: "Messages" });
  await expect(chat.locator(".msg-user")).toHaveText(/hello from the web console/);
  await expect(chat.locator(".msg-assistant").first()).toHaveText(/echo: hello from the web console/, { timeout: 45_000 });
  // The phase follows the sessions watch stream without a reload.
  await expect(page.locator(".page-head .phase")).toHaveText("Running");

  await composer.fill("and a second one");
  await page.keyboard.press("Control+Enter");
  await expect(chat.locator(".msg-assistant").nth(1)).toHaveText(/echo: and a second one/, { timeout: 45_000 });
  // Each message once, however the stream was read.
  await expect(chat.locator(".msg-user")).toHaveCount(2);
  await expect(chat.locator(".msg-assistant")).toHaveCount(2);
  await expectAccessible(page);
  await screenshots(page, "session");

  await page.getByRole("link", { name: "web-demo" }).click();
  await expect(page.getByRole("link", { name: "first-chat" })).toBeVisible();
  await screenshots(page, "project");
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Projects" }).click();
  await expect(page.getByRole("link", { name: "web-demo" })).toBeVisible();
  await screenshots(page, "projects");
});

test("a project created elsewhere appears live, and markup in its fields is shown as text", async ({ page }) => {
  await signIn(page);
  const markup = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
  await apiCall<Project>("POST", "/projects", { name: "markup-demo", description: markup });
  // No reload: the projects watch stream brings it.
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: "markup-demo" }) });
  await expect(row.getByRole("cell").nth(1)).toHaveText(markup);
  await expect(page.locator("img")).toHaveCount(0);
  // Session names may hold anything: the same in the project's sessions list.
  await apiCall<Session>("POST", "/sessions", { name: markup, project_id: "markup-demo" });
  await page.getByRole("link", { name: "markup-demo" }).click();
  await expect(page.getByRole("link", { name: markup })).toBeVisible();
  await expect(page.locator("img")).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});

test("a message past 1 MiB is refused in the composer and nothing is sent", async ({ page }) => {
  await apiCall<Project>("POST", "/projects", { name: "big-input" });
  const session = await apiCall<Session>("POST", "/sessions", { name: "big", project_id: "big-input" });
  await signIn(page);
  await page.goto(`/sessions/${session.id}`);
  const composer = page.getByLabel("Message", { exact: true });
  await expect(composer).toBeVisible();
  // 10 MB, set directly: typing it would only test the keyboard.
  await composer.evaluate((element: HTMLTextAreaElement) => {
    element.value = "x".repeat(10 * 1024 * 1024);
    element.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("alert")).toContainText("longer than 1 MiB");
  // Nothing lost: the text is still in the composer, to be cut down or copied elsewhere.
  expect(await composer.evaluate((element: HTMLTextAreaElement) => element.value.length)).toBe(10 * 1024 * 1024);
  const messages = await apiCall<unknown[]>("GET", `/sessions/${session.id}/messages`);
  expect(messages).toEqual([]);
});

test("a token that stops working mid-session leads back to sign-in, saying why", async ({ page }) => {
  await signIn(page);
  await page.getByLabel("New project name").fill("expiry-demo");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name: "expiry-demo", level: 1 })).toBeVisible();
  // Every call of the page done (the list read, the watch open), so the next one is ours.
  await expect(page.getByText("No sessions in this project yet")).toBeVisible();
  await expect(page.getByText("live", { exact: true })).toBeVisible();
  // The server stops accepting the token (as at expiry or revocation): the next call is a 401.
  await page.evaluate(() => sessionStorage.setItem("ambient.token", "expired-token"));
  await page.getByLabel("New session name").fill("late");
  await page.getByRole("button", { name: "Create and start" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Ambient" })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("expired or was revoked");
  expect(await page.evaluate(() => sessionStorage.getItem("ambient.token"))).toBeNull();
});

test("an unknown session is shown as not found", async ({ page }) => {
  await signIn(page);
  await page.goto("/sessions/2aaaaaaaaaaaaaaaaaaaaaaaaaa");
  await expect(page.getByRole("alert")).toContainText("Not found");
  await expectAccessible(page);
});
