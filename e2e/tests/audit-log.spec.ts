import { expect, test } from "../support/fixtures";
import { createVerifiedUser, signInAsAdmin, signInViaUi, uniqueEmail } from "../support/flows";
import { checkPage } from "../support/screens";

test("admin reads a new user's sign-in events in the audit log", async ({ page, browser, baseURL }) => {
  const email = uniqueEmail("audit");
  await test.step("a user signs up, signs out, mistypes the password, signs in", async () => {
    const ctx = await browser.newContext({ baseURL });
    try {
      const p = await ctx.newPage();
      await createVerifiedUser(p, "Aud Itor", email);
      await p.getByRole("button", { name: "Sign out" }).click();
      await expect(p).toHaveURL(/\/sign-in/);
      await signInViaUi(p, email, "not the password");
      await expect(p.getByRole("alert")).toContainText("don't match");
      await signInViaUi(p, email);
      await expect(p).toHaveURL(/\/tasks$/);
    } finally {
      await ctx.close();
    }
  });

  await signInAsAdmin(page);
  const log = page.getByRole("table");

  await test.step("from the user's row in the users table to their events", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await page.getByLabel("Search users").fill(email);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: `Events for ${email}` }).click();
    await expect(page).toHaveURL(/\/admin\/events\?user=/);
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
    await expect(page.getByText(`Aud Itor (${email})`)).toBeVisible();
    const signIns = log.getByRole("row").filter({ hasText: "Signed in" });
    await expect(signIns.first()).toContainText("Succeeded");
    await expect(log.getByRole("row").filter({ hasText: "Signed up" })).toHaveCount(1);
    await expect(log.getByRole("row").filter({ hasText: "Email verified" })).toHaveCount(1);
    await expect(log.getByRole("row").filter({ hasText: "Signed out" })).toHaveCount(1);
    // Every row is about this user.
    const rows = log.getByRole("row").filter({ hasNot: page.getByRole("columnheader") });
    await expect(rows.filter({ hasNotText: "Aud Itor" })).toHaveCount(0);
    await checkPage(page, "admin-audit-user", async () => {
      await expect(signIns.first()).toBeVisible();
    });
  });

  await test.step("only sign-ins, then the failures of everyone", async () => {
    await page.getByLabel("Event").selectOption({ label: "Signed in" });
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/type=sign_in(&|$)/);
    await expect(log.getByRole("row").filter({ hasNotText: "Signed in" })).toHaveCount(1); // the header
    await page.getByLabel("User ID").fill("");
    await page.getByLabel("Event").selectOption({ label: "Sign-in failed" });
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/\/admin\/events\?type=sign_in_failed$/);
    const failed = log.getByRole("row").filter({ hasText: "INVALID_EMAIL_OR_PASSWORD" }).first();
    await expect(failed.getByText("Failed", { exact: true })).toBeVisible();
  });

  await test.step("the whole log, newest first", async () => {
    await page.getByRole("button", { name: "Clear" }).click();
    await expect(page).toHaveURL(/\/admin\/events$/);
    await expect(page.getByText(/^1–\d+ of \d+/)).toBeVisible();
    await checkPage(page, "admin-audit-log", async () => {
      await expect(log.getByRole("row").nth(1)).toBeVisible();
    });
  });
});

test("a non-admin cannot open the audit log", async ({ page }) => {
  await createVerifiedUser(page, "Nadia Normal", uniqueEmail("nadia"));
  await page.goto("/admin/events");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  // The backend refuses too, with the caller's own JWT.
  const status = await page.evaluate(async () => {
    const token = (await (await fetch("/api/auth/token")).json()) as { token: string };
    const res = await fetch("/api/v1/admin/events", { headers: { Authorization: `Bearer ${token.token}` } });
    return res.status;
  });
  expect(status).toBe(403);
});
