import type { Page } from "@playwright/test";
import { expect, linkIn, test, waitForMail } from "../support/fixtures";
import { PASSWORD, signInAsAdmin, signInViaUi, uniqueEmail } from "../support/flows";
import { checkPage } from "../support/screens";

async function openUser(page: Page, email: string): Promise<void> {
  await page.goto("/admin");
  await page.getByLabel("Search users").fill(email);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: `Manage ${email}` }).click();
}

test("admin invites a user, who chooses a password from the mail and signs in", async ({ page, browser, baseURL }) => {
  const email = uniqueEmail("invitee");
  await signInAsAdmin(page);
  await page.goto("/admin");
  const before = Date.now();
  await page.getByRole("button", { name: "Add user…" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a user" });
  await dialog.getByLabel("Name").fill("Ina Vitee");
  await dialog.getByLabel("Email", { exact: true }).fill(email);
  await checkPage(page, "admin-add-user", async () => {
    await expect(dialog.getByRole("button", { name: "Send invitation" })).toBeVisible();
  });
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByRole("heading", { name: "Ina Vitee" })).toBeVisible();
  await expect(page.getByText(`${email} was added and an invitation is on its way.`)).toBeVisible();

  const invite = await waitForMail(page.request, email, /invited to Gatehouse/, before);
  const ctx = await browser.newContext({ baseURL });
  try {
    const p = await ctx.newPage();
    await p.goto(linkIn(invite, "/accept-invite"));
    await expect(p.getByRole("heading", { name: "Choose your password" })).toBeVisible();
    await checkPage(p, "accept-invite", async () => {
      await expect(p.getByLabel("New password", { exact: true })).toBeVisible();
    });
    await p.getByLabel("New password", { exact: true }).fill(PASSWORD);
    await p.getByLabel("Confirm new password").fill(PASSWORD);
    await p.getByRole("button", { name: "Set password" }).click();
    await expect(p.getByText("Your password is set. Sign in with it.")).toBeVisible();
    await signInViaUi(p, email);
    await expect(p).toHaveURL(/\/tasks$/); // the invitation proved the address: no verification step
  } finally {
    await ctx.close();
  }
});

test("admin lifecycle: verify, resend, reset link, set password, admin with a named confirmation, delete", async ({
  page,
  browser,
  baseURL,
}) => {
  // Seven steps, each a few round trips through the whole stack: the 90 s default fits an idle
  // machine, not a shared one (each step still waits on conditions with its own bound).
  test.setTimeout(180_000);
  const email = uniqueEmail("life");
  // Signed up but never verified.
  const res = await page.request.post("/api/auth/sign-up/email", {
    data: { name: "Li Fe", email, password: PASSWORD },
  });
  expect(res.ok()).toBe(true);
  await signInAsAdmin(page);
  await openUser(page, email);
  const account = page.getByRole("region", { name: "Account" });

  await test.step("resend the verification link, then mark the address verified", async () => {
    const before = Date.now();
    await account.getByRole("button", { name: "Resend verification link" }).click();
    await expect(account.getByText(`A verification link is on its way to ${email}.`)).toBeVisible();
    await waitForMail(page.request, email, /Verify your email address/, before);
    await account.getByRole("button", { name: "Mark email verified" }).click();
    await expect(account.getByText(`${email} is marked verified.`)).toBeVisible();
    await expect(page.getByRole("region", { name: "Details" }).getByText("Verified", { exact: true })).toBeVisible();
  });

  await test.step("send a reset link", async () => {
    const before = Date.now();
    await account.getByRole("button", { name: "Send password reset link" }).click();
    await expect(account.getByText(`A password reset link is on its way to ${email}.`)).toBeVisible();
    await waitForMail(page.request, email, /Reset your password/, before);
  });

  await test.step("set a password (named confirmation); the person signs in with it", async () => {
    await account.getByRole("button", { name: "Set a password…" }).click();
    const dialog = page.getByRole("dialog", { name: `Set a password for ${email}?` });
    await dialog.getByLabel("New password").fill("an admin chosen passphrase");
    await checkPage(page, "admin-set-password", async () => {
      await expect(dialog.getByRole("button", { name: "Set password" })).toBeVisible();
    });
    await dialog.getByRole("button", { name: "Set password" }).click();
    await expect(
      account.getByText(`The password of ${email} is set and every session of theirs has ended.`),
    ).toBeVisible();
    const ctx = await browser.newContext({ baseURL });
    try {
      const p = await ctx.newPage();
      await signInViaUi(p, email, "an admin chosen passphrase");
      await expect(p).toHaveURL(/\/tasks$/);
    } finally {
      await ctx.close();
    }
  });

  await test.step("sessions show when they were last active and are revoked only after a named confirmation", async () => {
    await page.reload();
    const sessions = page.getByRole("region", { name: "Sessions" });
    await expect(sessions.getByText("1 active")).toBeVisible();
    await expect(sessions.getByText("Last active:")).toBeVisible();
    await sessions.getByRole("button", { name: "Revoke all…" }).click();
    await page
      .getByRole("dialog", { name: `Sign ${email} out everywhere?` })
      .getByRole("button", { name: "Revoke all sessions" })
      .click();
    await expect(sessions.getByText(`Every session of ${email} has ended.`)).toBeVisible();
    await expect(sessions.getByText("0 active")).toBeVisible();
  });

  await test.step("delete, confirmed by name; the list says so and the person cannot sign in", async () => {
    await page.getByRole("region", { name: "Account" }).getByRole("button", { name: "Delete user…" }).click();
    const dialog = page.getByRole("dialog", { name: `Delete ${email}?` });
    await checkPage(page, "admin-delete-user", async () => {
      await expect(dialog.getByRole("button", { name: "Delete user" })).toBeVisible();
    });
    await dialog.getByRole("button", { name: "Delete user" }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByText(`${email} was deleted.`)).toBeVisible();
    const ctx = await browser.newContext({ baseURL });
    try {
      const p = await ctx.newPage();
      await signInViaUi(p, email, "an admin chosen passphrase");
      await expect(p.getByRole("alert")).toContainText("don't match");
    } finally {
      await ctx.close();
    }
  });
});
