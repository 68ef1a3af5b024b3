// The console's browser tests (docs/web.md): Debian's chromium (Playwright's own browser
// download is not used) against the real binaries, which tests/global_setup.ts starts.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "tests",
  testMatch: "*.spec.ts",
  globalSetup: "./tests/global_setup.ts",
  // One platform, shared by the tests, on a machine with other work to do.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  outputDir: process.env.AMBIENT_WEB_TEST_OUTPUT ?? "test-results",
  use: {
    browserName: "chromium",
    launchOptions: { executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" },
    trace: "retain-on-failure",
  },
});
