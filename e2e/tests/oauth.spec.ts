import type { Page } from "@playwright/test";
import { expect, test } from "../support/fixtures";
import {
  addProviderAccount,
  addTask,
  answerProvider,
  createVerifiedUser,
  signInViaUi,
  uniqueEmail,
} from "../support/flows";
import { checkPage } from "../support/screens";

/** "Acme SSO" is a real OpenID provider on 127.0.0.1 (support/oidc.ts), started with the stack. */
const ACME = "Continue with Acme SSO";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const methods = (page: Page) => page.getByRole("region", { name: "Sign-in methods" });

test("sign in with Acme SSO in Chromium: provider pages, back signed in, the backend answers", async ({ page }) => {
  const email = uniqueEmail("sso");
  await addProviderAccount(email, { name: "Sam Single" });
  // Every call the app makes to its services carries its own request id (followed through both logs).
  const ids: { url: string; id: string | undefined }[] = [];
  page.on("request", (r) => {
    // The app's own calls; the provider's redirect back to the callback is a plain navigation.
    if (r.resourceType() === "fetch" && /^\/api\/(auth|v1)\//.test(new URL(r.url()).pathname))
      ids.push({ url: r.url(), id: r.headers()["x-request-id"] });
  });

  await page.goto("/sign-in");
  await checkPage(page, "sign-in-providers", async () => {
    await expect(page.getByRole("button", { name: ACME })).toBeVisible();
  });
  await page.getByRole("button", { name: ACME }).click();
  await answerProvider(page, email);

  await expect(page).toHaveURL(/\/tasks$/);
  await expect(page.getByRole("banner").getByText("Sam Single")).toBeVisible();
  await addTask(page, "Signed in through SSO");
  await expect(page.getByRole("region", { name: "Task list" }).getByText("Signed in through SSO")).toBeVisible();

  await page.getByRole("link", { name: "Account" }).click();
  await expect(methods(page).getByText("Acme SSO", { exact: true })).toBeVisible();
  // Its only method and nothing else to link: no dead-end button, but what to do instead.
  await expect(methods(page).getByRole("button", { name: "Unlink Acme SSO" })).toHaveCount(0);
  await expect(methods(page).getByText("You sign in with Acme SSO. To add a password")).toBeVisible();

  expect(ids.some((c) => c.url.includes("/api/v1/tasks"))).toBe(true);
  expect(ids.some((c) => c.url.includes("/api/auth/token"))).toBe(true);
  for (const c of ids) expect(c.id, c.url).toMatch(UUID);
  expect(new Set(ids.map((c) => c.id)).size).toBe(ids.length);
});

test("link Acme SSO to a password account, sign in with it, unlink it again", async ({ page }) => {
  const email = uniqueEmail("link");
  await createVerifiedUser(page, "Lin Linker", email);
  await addTask(page, "Made with a password");
  await addProviderAccount(email, { name: "Lin at Acme" });

  await test.step("link from the account page", async () => {
    await page.getByRole("link", { name: "Account" }).click();
    await expect(methods(page).getByText("Email and password")).toBeVisible();
    await expect(methods(page).getByRole("button", { name: "Unlink Email and password" })).toBeDisabled();
    await methods(page).getByRole("button", { name: "Link Acme SSO" }).click();
    await answerProvider(page, email);
    await expect(page).toHaveURL(/\/account$/);
    await expect(methods(page).getByText("Acme SSO is now linked.")).toBeVisible();
    await expect(methods(page).getByRole("listitem")).toHaveCount(2);
    await checkPage(page, "account-methods", async () => {
      await expect(methods(page).getByRole("button", { name: "Unlink Acme SSO" })).toBeEnabled();
    });
  });

  await test.step("sign out, then in with Acme SSO: the same account", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.getByRole("button", { name: ACME }).click();
    // The provider remembers this browser's sign-in and consent: it may send it straight back.
    await page.waitForURL(/\/tasks$/);
    await expect(page.getByRole("region", { name: "Task list" }).getByText("Made with a password")).toBeVisible();
  });

  await test.step("unlink it; the password stays and cannot be removed", async () => {
    await page.getByRole("link", { name: "Account" }).click();
    await methods(page).getByRole("button", { name: "Unlink Acme SSO" }).click();
    await expect(methods(page).getByText("Acme SSO unlinked.")).toBeVisible();
    await expect(methods(page).getByRole("listitem")).toHaveCount(1);
    await expect(methods(page).getByRole("button", { name: "Unlink Email and password" })).toBeDisabled();
    await page.getByRole("button", { name: "Sign out" }).click();
    await signInViaUi(page, email);
    await expect(page).toHaveURL(/\/tasks$/);
  });
});

test("denying consent at the provider comes back as a readable message, signed out", async ({ page }) => {
  const email = uniqueEmail("deny");
  await addProviderAccount(email);
  await page.goto("/sign-in");
  await page.getByRole("button", { name: ACME }).click();
  await answerProvider(page, email, "Deny");
  await expect(page).toHaveURL(/\/sign-in\?error=ACCESS_DENIED$/);
  await checkPage(page, "sign-in-provider-denied", async () => {
    await expect(page.getByRole("alert")).toHaveText("You cancelled the sign-in at the provider. Nothing was changed.");
  });
  await page.goto("/tasks");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Ftasks$/);
});

test("a provider email the provider has not verified is refused with a clear message", async ({ page }) => {
  const email = uniqueEmail("unverified");
  await addProviderAccount(email, { emailVerified: false });
  await page.goto("/sign-in");
  await page.getByRole("button", { name: ACME }).click();
  await answerProvider(page, email);
  await expect(page).toHaveURL(/\/sign-in\?error=PROVIDER_EMAIL_NOT_VERIFIED$/);
  await expect(page.getByRole("alert")).toContainText("The provider has not verified this email address");
  // A crafted ?error= value is never echoed.
  await page.goto("/sign-in?error=%3Cb%3Eyou%20were%20hacked%3C%2Fb%3E");
  await expect(page.getByRole("alert")).toHaveText("Sign-in with the provider failed. Try again.");
});
