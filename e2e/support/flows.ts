import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, stack } from "./fixtures";
import { ADMIN_EMAIL } from "./stack";

export const PASSWORD = "correct horse battery";

/** A fresh address per call, so tests never depend on each other's users. */
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}@e2e.gatehouse.test`;
}

export async function signUpViaUi(page: Page, name: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
}

/** Opens /dev/mailbox, finds the newest verification mail to `email` and clicks its link. */
export async function verifyViaMailbox(page: Page, email: string): Promise<void> {
  await page.goto("/dev/mailbox");
  await page.getByLabel("Recipient").fill(email);
  await page.getByRole("button", { name: "Filter" }).click();
  // Only this person's mail is listed once the filter has applied; newest first.
  await expect(page.getByRole("article").filter({ hasNotText: `To: ${email}` })).toHaveCount(0);
  const mail = page.getByRole("article", { name: "Verify your email address" }).first();
  await mail.getByRole("link", { name: /\/verify-email\?token=/ }).click();
  await expect(page.getByRole("heading", { name: "Email verified" })).toBeVisible();
}

/** Sign up, verify through the mailbox (which signs in), land on the tasks page. */
export async function createVerifiedUser(page: Page, name: string, email: string, password = PASSWORD): Promise<void> {
  await signUpViaUi(page, name, email, password);
  await verifyViaMailbox(page, email);
  await page.getByRole("link", { name: "Go to your tasks" }).click();
  await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
}

export async function signInViaUi(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs in as the ADMIN_EMAILS user, creating it the first time it is needed. */
export async function signInAsAdmin(page: Page): Promise<void> {
  await signInViaUi(page, ADMIN_EMAIL);
  const outcome = await Promise.race([
    page.waitForURL("**/tasks").then(() => "in" as const),
    page
      .getByRole("alert")
      .filter({ hasText: /match an account|verify/ })
      .waitFor()
      .then(() => "missing" as const),
  ]);
  if (outcome === "missing") await createVerifiedUser(page, "Ada Admin", ADMIN_EMAIL);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toBeVisible();
}

export async function addTask(page: Page, title: string, description = ""): Promise<void> {
  await page.getByRole("textbox", { name: "New task" }).fill(title);
  if (description) await page.getByLabel("Description (optional)").fill(description);
  await page.getByRole("button", { name: "Add task" }).click();
}

/** Registers a person at the test OpenID provider ("Acme SSO"); each test brings its own. */
export async function addProviderAccount(
  email: string,
  opts: { emailVerified?: boolean; name?: string } = {},
): Promise<void> {
  const res = await fetch(`${stack().oidc.controlUrl}/accounts`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sub: `sub-${email}`, email, emailVerified: opts.emailVerified ?? true, name: opts.name }),
  });
  expect(res.status, "registering a provider account").toBe(204);
}

/**
 * On the provider's own pages (reached by a "Continue with" or "Link" button): pick the account,
 * then allow or deny. Stops once the browser is back on the web app.
 */
export async function answerProvider(page: Page, email: string, consent: "Allow" | "Deny" = "Allow"): Promise<void> {
  const { issuer } = stack().oidc;
  await page.waitForURL((u) => u.href.startsWith(issuer));
  await expect(page.getByRole("heading", { name: "Test provider: sign in" })).toBeVisible();
  await page.getByRole("button", { name: `Sign in as ${email}`, exact: true }).click();
  await expect(page.getByRole("heading", { name: "Test provider: allow access?" })).toBeVisible();
  await page.getByRole("button", { name: consent, exact: true }).click();
  await page.waitForURL((u) => u.href.startsWith(stack().webUrl));
}
