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

  await test.step("from the user's row in the users table to their events, read as sentences", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await page.getByLabel("Search users").fill(email);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: `Events for ${email}` }).click();
    await expect(page).toHaveURL(/\/admin\/events\?user=/);
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
    await expect(page.getByText(`Aud Itor (${email})`)).toBeVisible();
    await expect(log.getByRole("row").filter({ hasText: "Signed in by verifying the email address" })).toHaveCount(1);
    await expect(log.getByRole("row").filter({ hasText: "Signed up" })).toHaveCount(1);
    await expect(log.getByRole("row").filter({ hasText: "Signed out" })).toHaveCount(1);
    // Only the failure is marked, and it says why in words.
    const failed = log.getByRole("row").filter({ hasText: `Sign-in failed for ${email}: wrong email or password` });
    await expect(failed.getByText("Failed", { exact: true })).toBeVisible();
    await expect(log.getByText("Succeeded")).toHaveCount(0);
    const rows = log.getByRole("row").filter({ hasNot: page.getByRole("columnheader") });
    await expect(rows.filter({ hasNotText: "Aud Itor" })).toHaveCount(0);
    await checkPage(page, "admin-audit-user", async () => {
      await expect(failed).toBeVisible();
    });
  });

  await test.step("find the same person by typing part of their email, failures only, today", async () => {
    await page.goto("/admin/events");
    await page.getByLabel("Email or name").fill(email.split("@")[0] as string);
    await page.getByLabel("Failures only").check();
    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
    await page.getByLabel("From").fill(day);
    await page.getByLabel("To").fill(day);
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/failures=1/);
    const rows = log.getByRole("row").filter({ hasNot: page.getByRole("columnheader") });
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(`Sign-in failed for ${email}: wrong email or password`);
    await checkPage(page, "admin-audit-search", async () => {
      await expect(rows.first()).toBeVisible();
    });
  });

  await test.step("export what matches as CSV", async () => {
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^gatehouse-audit-log-.*\.csv$/);
    const text = await (await file.createReadStream()).toArray();
    const csv = Buffer.concat(text as Buffer[]).toString("utf8");
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toContain("time,type,success,user_id,user_email");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("sign_in_failed");
    expect(lines[1]).toContain(email);
  });

  await test.step("the user's page shows their recent activity", async () => {
    await page.goto("/admin");
    await page.getByLabel("Search users").fill(email);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: `Manage ${email}` }).click();
    const activity = page.getByRole("region", { name: "Recent activity" });
    await expect(activity.getByText(`Sign-in failed for ${email}: wrong email or password`)).toBeVisible();
    await expect(activity.getByText("Signed up")).toBeVisible();
  });

  await test.step("the whole log, newest first", async () => {
    await page.goto("/admin/events");
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
