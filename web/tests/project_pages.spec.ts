// The pages beyond the flow, each doing its job against the real platform: the sessions
// filters, members added and removed live, role bindings created and removed, an agent
// edited, and the audit log.
import { Agent, Project, Role, Session } from "../src/api/types";
import { apiCall, platformUrl, userToken } from "./platform";
import { expect, signIn, test } from "./fixtures";

async function roleIdOf(name: string): Promise<string> {
  const roles = (await apiCall<{ items: Role[] }>("GET", "/roles?size=100")).items;
  return roles.find((r) => r.name === name)!.id;
}

test("sessions filter by name, phase, agent and creator", async ({ page }) => {
  await apiCall<Project>("POST", "/projects", { name: "filter-demo" });
  const agent = await apiCall<Agent>("POST", "/projects/filter-demo/agents", { name: "filterer" });
  await apiCall("POST", "/role_bindings", { role_id: await roleIdOf("project:editor"), scope: "project", project_id: "filter-demo", user_id: "carol" });
  await apiCall<Session>("POST", "/sessions", { name: "by-service", project_id: "filter-demo" });
  const byCarol = await fetch(`${platformUrl()}/api/ambient/v1/sessions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${userToken("carol")}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "by-carol", project_id: "filter-demo" }),
  });
  expect(byCarol.status).toBe(201);
  await apiCall("POST", `/projects/filter-demo/agents/${agent.id}/start`, {});

  await signIn(page);
  await page.goto("/projects/filter-demo");
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(4); // the header and three sessions
  await page.getByLabel("Agent", { exact: true }).selectOption({ label: "filterer" });
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText("filterer-");
  await page.getByLabel("Agent", { exact: true }).selectOption({ label: "any" });
  await page.getByLabel("Creator").selectOption("carol");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText("by-carol");
  await page.getByLabel("Creator").selectOption({ label: "anyone" });
  await page.getByLabel("Phase").selectOption({ label: "not started" });
  await expect(rows).toHaveCount(3);
  await page.getByLabel("Search names").fill("service");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText("by-service");
  await page.getByLabel("Search names").fill("nothing-like-this");
  await expect(page.getByText("No session matches these filters")).toBeVisible();
});

test("members are added and removed on the project page, live", async ({ page }) => {
  page.on("dialog", (dialog) => void dialog.accept());
  await apiCall<Project>("POST", "/projects", { name: "members-demo" });
  await signIn(page);
  await page.goto("/projects/members-demo?tab=members");
  await expect(page.getByText("No members you can see")).toBeVisible();
  await page.getByLabel("Username").fill("bob");
  await page.getByLabel("Role").selectOption("project:editor");
  await page.getByRole("button", { name: "Add member" }).click();
  const members = page.getByRole("table", { name: "Members" });
  await expect(members.getByRole("row").filter({ hasText: "bob" })).toContainText("project:editor");
  // Granted elsewhere: it appears without a reload.
  await apiCall("POST", "/role_bindings", { role_id: await roleIdOf("project:viewer"), scope: "project", project_id: "members-demo", user_id: "dave" });
  await expect(members.getByRole("row").filter({ hasText: "dave" })).toContainText("project:viewer");
  await page.getByRole("button", { name: "Remove project:editor for bob" }).click();
  await expect(members.getByRole("row").filter({ hasText: "bob" })).toHaveCount(0);

  await page.getByLabel("Description").fill("Where members are checked");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  expect((await apiCall<Project>("GET", "/projects/members-demo")).description).toBe("Where members are checked");
});

test("role bindings are created and removed on their page; a refusal says so", async ({ page }) => {
  page.on("dialog", (dialog) => void dialog.accept());
  await apiCall<Project>("POST", "/projects", { name: "bindings-demo" });
  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Role bindings" }).click();
  await expect(page.getByRole("heading", { name: "Role bindings", level: 1 })).toBeVisible();
  const fold = page.locator("details.create");
  if ((await fold.getAttribute("open")) === null) await fold.locator("summary").click();
  await page.getByLabel("Username").fill("erin");
  await page.getByLabel("Role").selectOption({ label: "project:viewer" });
  await page.getByLabel("Scope").selectOption("project");
  await page.getByLabel("Project", { exact: true }).fill("no-such-project");
  await page.getByRole("button", { name: "Create binding" }).click();
  await expect(page.getByRole("alert")).toContainText("Error 400");
  await page.getByLabel("Project", { exact: true }).fill("bindings-demo");
  await page.getByRole("button", { name: "Create binding" }).click();
  const row = page.getByRole("table", { name: "Role bindings" }).getByRole("row").filter({ hasText: "erin" });
  await expect(row).toContainText("project bindings-demo");
  await row.getByRole("button", { name: "Remove project:viewer for erin" }).click();
  await expect(row).toHaveCount(0);
});

test("an agent is edited on its page and the project's agents list follows", async ({ page }) => {
  await apiCall<Project>("POST", "/projects", { name: "edit-demo" });
  const agent = await apiCall<Agent>("POST", "/projects/edit-demo/agents", { name: "editable" });
  await signIn(page);
  await page.goto(`/agents/${agent.id}`);
  await page.getByLabel("Description").fill("Edited in the console");
  await page.getByRole("button", { name: "Save agent" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.getByRole("link", { name: "edit-demo" }).click();
  await expect(page.getByRole("row").filter({ hasText: "editable" })).toContainText("Edited in the console");
});

test("the audit log lists credential changes, newest first, for admins", async ({ page }) => {
  await apiCall("POST", "/credentials", { name: "audited", provider: "github", token: "audited-token" });
  await signIn(page);
  await page.goto("/audit");
  await expect(page.getByRole("row").filter({ hasText: "create" }).first()).toContainText("credential");
  await page.getByLabel("Outcome").selectOption("denied");
  await expect(page.getByText("Nothing recorded yet")).toBeVisible();
  expect(await page.content()).not.toContain("audited-token");
});
