/**
 * Second factors end to end (issue 15): the authenticator app, passkeys on Chromium's virtual
 * authenticator, a backend admin route that demands a second factor, and an admin's reset.
 *
 * These run on a stack of their own: its web origin is http://localhost:<port>, since WebAuthn
 * refuses an IP address as relying party ID, and ADMIN_REQUIRE_MFA is on for both services, which
 * the shared stack's admin specs must not see. The shared stack's web build is served again.
 */
import { expect, stack, test, waitForMail } from "../support/fixtures";
import { createVerifiedUser, signInViaUi, uniqueEmail } from "../support/flows";
import { addPasskey, addVirtualAuthenticator, enrolTotp, signInWithCode, signOut } from "../support/mfa";
import { type Stack, startStack, webDistOf } from "../support/stack";

/** Admins of this stack (ADMIN_EMAILS), one per test that needs one, so the tests stay independent. */
const GATED_ADMIN = "gated-admin@e2e.gatehouse.test";
const RESET_ADMIN = "reset-admin@e2e.gatehouse.test";

let own: Stack | null = null;
const webUrl = (): string => {
  if (!own) throw new Error("the second-factor stack is not running");
  return own.info.webUrl;
};

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const started = Date.now();
  own = await startStack({
    webHost: "localhost",
    webDist: webDistOf(stack()),
    env: { ADMIN_REQUIRE_MFA: "true", ADMIN_EMAILS: `${GATED_ADMIN},${RESET_ADMIN}` },
  });
  console.log(`second-factor stack up in ${((Date.now() - started) / 1000).toFixed(1)}s: web ${own.info.webUrl}`);
});

test.afterAll(async () => {
  await own?.stop();
  own = null;
});

// Set up for each test, after beforeAll; Playwright also sets it up for the hooks, before there is a stack.
// biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured object
test.use({ baseURL: async ({}, use) => use(own?.info.webUrl) });

/** Each test may wait once or twice for the authenticator app's next 30 s code. */
test.describe.configure({ timeout: 180_000 });

test("authenticator app: set up with the typed key, then sign-in asks for a code or a backup code", async ({
  page,
}) => {
  const email = uniqueEmail("totp");
  await createVerifiedUser(page, "Tot P", email);
  const { app, backupCodes } = await enrolTotp(page);
  expect(new Set(backupCodes).size, "ten different backup codes").toBe(10);

  await test.step("the password alone no longer signs in: a wrong code is refused, the app's code works", async () => {
    await signOut(page);
    await signInViaUi(page, email);
    await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in/);
    const right = await app.code();
    await page.getByLabel("Authentication code").fill(right === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expect(page.getByRole("alert")).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.getByLabel("Authentication code").fill(right);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expect(page).toHaveURL(/\/tasks$/);
  });

  await test.step("a backup code signs in once", async () => {
    await signOut(page);
    await signInViaUi(page, email);
    await page.getByRole("button", { name: "Use a backup code" }).click();
    await page.getByLabel("Backup code").fill(backupCodes[0] as string);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expect(page).toHaveURL(/\/tasks$/);
  });
});

test("passkey: registered on the Security page, then signs in alone (discoverable credential)", async ({ page }) => {
  const email = uniqueEmail("passkey");
  const authenticator = await addVirtualAuthenticator(page);
  await createVerifiedUser(page, "Pass Key", email);
  await addPasskey(page, "Test laptop");
  const [stored] = await authenticator.credentials();
  expect(stored, "the authenticator keeps one discoverable credential for localhost").toMatchObject({
    isResidentCredential: true,
    rpId: "localhost",
  });

  await signOut(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(page.getByTitle(email)).toBeVisible(); // the header names who is signed in
  const [used] = await authenticator.credentials();
  expect(used?.signCount, "the passkey signed the sign-in").toBeGreaterThan(stored?.signCount ?? 0);
});

test("a backend admin route under require_mfa: refused after a password, answered after the code", async ({ page }) => {
  const events = (p: typeof page) =>
    p.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/admin/events" && r.request().method() === "GET");
  await createVerifiedUser(page, "Gia Ted", GATED_ADMIN);
  await signOut(page);
  await signInViaUi(page, GATED_ADMIN);
  await expect(page).toHaveURL(/\/tasks$/);

  await test.step("password only: 403 MFA_REQUIRED, and the app says what is missing", async () => {
    const refused = events(page);
    await page.goto("/admin/events");
    const res = await refused;
    expect(res.status()).toBe(403);
    expect(await res.json()).toMatchObject({ code: "MFA_REQUIRED" });
    const dialog = page.getByRole("dialog", { name: "Two-step verification needed" });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "second factor" })).toBeVisible();
    await expect(page.getByRole("table")).toHaveCount(0);

    await page.reload();
    await dialog.getByRole("link", { name: "Set it up" }).click();
    await expect(page).toHaveURL(/\/account\/security$/);
  });

  const { app } = await enrolTotp(page);

  await test.step("signed in with password and code: 200, and the log shows the data", async () => {
    await signOut(page);
    await signInWithCode(page, GATED_ADMIN, app);
    const answered = events(page);
    await page.goto(`/admin/events?q=${encodeURIComponent(GATED_ADMIN)}`);
    const res = await answered;
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { data: { type: string }[] };
    expect(body.data.map((e) => e.type)).toContain("two_factor_enabled");
    await expect(page.getByRole("dialog")).toHaveCount(0);
    const log = page.getByRole("table");
    await expect(log.getByRole("row").filter({ hasText: "Two-step sign-in turned on" })).toHaveCount(1);
  });
});

test("admin resets a user's second factors: the password alone signs in again, and the log says so", async ({
  page,
  browser,
}) => {
  const email = uniqueEmail("locked-out");
  const user = await browser.newContext({ baseURL: webUrl() });
  try {
    const p = await user.newPage();
    await addVirtualAuthenticator(p);
    await test.step("the user has an authenticator app and a passkey", async () => {
      await createVerifiedUser(p, "Lou Stit", email);
      await enrolTotp(p);
      await addPasskey(p, "Old phone");
      await signOut(p);
    });

    await createVerifiedUser(page, "Reese Admin", RESET_ADMIN);
    const { app } = await enrolTotp(page);
    await signOut(page);
    await signInWithCode(page, RESET_ADMIN, app);

    const before = Date.now();
    await test.step("the admin sees the user's factors and resets them", async () => {
      await page.goto("/admin");
      await page.getByLabel("Search users").fill(email);
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("link", { name: `Manage ${email}` }).click();
      const card = page.getByRole("region", { name: "Two-step verification" });
      await expect(card.getByTestId("second-factor-status")).toHaveText(
        "Authenticator app on (10 backup codes left). 1 passkey.",
      );
      await card.getByRole("button", { name: "Reset two-step verification" }).click();
      const confirm = page.getByRole("dialog", { name: "Reset two-step verification?" });
      await confirm.getByRole("button", { name: "Reset" }).click();
      await expect(card.getByText("Second factors removed. The user was told by email.")).toBeVisible();
      await expect(card.getByTestId("second-factor-status")).toHaveText("No authenticator app. 0 passkeys.");
    });

    await waitForMail(page.request, email, /Two-step verification was reset/, before, webUrl());

    await test.step("the user signs in with the password alone: no code step", async () => {
      await signInViaUi(p, email);
      await expect(p).toHaveURL(/\/tasks$/);
      await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Security" }).click();
      await expect(p.getByRole("button", { name: "Set up authenticator app" })).toBeVisible();
      await expect(p.getByRole("list", { name: "Your passkeys" })).toHaveCount(0);
    });
  } finally {
    await user.close();
  }

  await test.step("the audit log names the admin who reset it", async () => {
    await page.goto(`/admin/events?q=${encodeURIComponent(email)}`);
    await expect(
      page.getByRole("table").getByRole("row").filter({ hasText: "Second factors reset by Reese Admin" }),
    ).toHaveCount(1);
  });
});
