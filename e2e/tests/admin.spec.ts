import { expect, test } from "../support/fixtures";
import { addTask, createVerifiedUser, signInAsAdmin, signInViaUi, uniqueEmail } from "../support/flows";

/** The backend must refuse a revoked session within 1 s (docs/ARCHITECTURE.md, Revocation); wait past that. */
const REVOCATION_BOUND_MS = 1_500;

test("admin impersonates, bans and unbans a user; the banned user's open page loses access", async ({
  page,
  browser,
  baseURL,
}) => {
  const userCtx = await browser.newContext({ baseURL });
  try {
    const userPage = await userCtx.newPage();
    const email = uniqueEmail("bo");
    await createVerifiedUser(userPage, "Bo Banned", email);
    await addTask(userPage, "Important work");
    await expect(userPage.getByRole("region", { name: "Task list" }).getByText("Important work")).toBeVisible();

    await signInAsAdmin(page);
    const openUser = async (): Promise<void> => {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
      await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
      await page.getByLabel("Search users").fill(email);
      await page.getByRole("button", { name: "Search" }).click();
      const rows = page.getByRole("table").getByRole("row");
      await expect(rows).toHaveCount(2); // header + the one match
      await page.getByRole("link", { name: `Manage ${email}` }).click();
      await expect(page.getByRole("heading", { name: "Bo Banned" })).toBeVisible();
    };

    await test.step("find the user and see their session", async () => {
      await openUser();
      await expect(page.getByRole("region", { name: "Sessions" }).getByText("1 active")).toBeVisible();
    });

    await test.step("impersonate with a visible banner, then stop", async () => {
      await page.getByRole("button", { name: "Impersonate" }).click();
      await expect(page).toHaveURL(/\/tasks$/);
      const banner = page.getByRole("region", { name: "Impersonation" });
      await expect(banner).toContainText(`Impersonating ${email}`);
      await expect(page.getByRole("region", { name: "Task list" }).getByText("Important work")).toBeVisible();
      await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toHaveCount(0);
      await banner.getByRole("button", { name: "Stop impersonating" }).click();
      // Back on that user's page, where the impersonation began.
      await expect(page.getByRole("heading", { name: "Bo Banned" })).toBeVisible();
      await expect(page.getByText(`You stopped impersonating ${email}.`)).toBeVisible();
      await expect(page.getByRole("region", { name: "Impersonation" })).toHaveCount(0);
      await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toBeVisible();
    });

    await test.step("ban with a reason and a duration", async () => {
      await openUser();
      const ban = page.getByRole("region", { name: "Ban" });
      await ban.getByLabel("Reason").fill("Spamming the tasks API");
      await ban.getByLabel("Duration").selectOption({ label: "1 day" });
      await ban.getByRole("button", { name: "Ban user…" }).click();
      const dialog = page.getByRole("dialog", { name: `Ban ${email}?` });
      await expect(dialog).toContainText("For 1 day.");
      await dialog.getByRole("button", { name: "Ban user" }).click();
      await expect(ban.getByText(`${email} is banned for 1 day; their sessions have ended.`)).toBeVisible();
      await expect(ban.getByText("Spamming the tasks API")).toBeVisible();
      await expect(ban.getByText("Banned", { exact: true })).toBeVisible();
      await expect(page.getByRole("region", { name: "Sessions" }).getByText("0 active")).toBeVisible();
    });

    await test.step("the banned user's open page loses access on its next action", async () => {
      await userPage.waitForTimeout(REVOCATION_BOUND_MS);
      await userPage.getByRole("button", { name: "Refresh" }).click();
      await expect(userPage).toHaveURL(/\/sign-in\?/);
      await expect(userPage.getByText("Your session has ended. Please sign in again.")).toBeVisible();
      await signInViaUi(userPage, email);
      await expect(userPage.getByRole("alert")).toContainText("This account has been suspended.");
    });

    await test.step("unban, confirmed by name and acknowledged, lets them back in", async () => {
      await page.getByRole("button", { name: "Unban user…" }).click();
      await page
        .getByRole("dialog", { name: `Unban ${email}?` })
        .getByRole("button", { name: "Unban user" })
        .click();
      await expect(page.getByText(`${email} is no longer banned and can sign in again.`)).toBeVisible();
      await expect(page.getByRole("button", { name: "Ban user…" })).toBeVisible();
      await signInViaUi(userPage, email);
      await expect(userPage).toHaveURL(/\/tasks$/);
      await expect(userPage.getByRole("region", { name: "Task list" }).getByText("Important work")).toBeVisible();
    });
  } finally {
    await userCtx.close();
  }
});

test("a non-admin cannot reach /admin: no link, page refused, API refused", async ({ page }) => {
  await createVerifiedUser(page, "Nia Normal", uniqueEmail("nia"));
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toHaveCount(0);

  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);

  // The page is only a courtesy; the server is what refuses.
  const res = await page.request.get("/api/auth/admin/list-users");
  expect(res.status()).toBe(403);
  const banned = await page.request.post("/api/auth/admin/ban-user", { data: { userId: "someone" } });
  expect(banned.status()).toBe(403);
});
