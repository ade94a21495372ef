import { expect, test } from "../support/fixtures";
import { addTask, createVerifiedUser, PASSWORD, uniqueEmail } from "../support/flows";
import { checkPage } from "../support/screens";

test("a lockout shows the server's wait, counts down on a disabled button, then lets the right password in", async ({
  page,
  browser,
  baseURL,
}) => {
  const email = uniqueEmail("locked");
  const ctx = await browser.newContext({ baseURL });
  try {
    await createVerifiedUser(await ctx.newPage(), "Lou Locked", email);
  } finally {
    await ctx.close();
  }

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  const button = page.locator("form button[type=submit]");
  const alert = page.getByRole("alert");
  let retryAfter = 0;

  await test.step("wrong passwords: focus back in the password field each time, until the account is paused", async () => {
    // Five free attempts, then a doubling pause (1, 2, 4, 8 s…): keep going until a pause of 4 s or more.
    for (let attempt = 0; attempt < 12 && retryAfter < 4; attempt++) {
      await expect(button).toHaveText("Sign in", { timeout: 20_000 });
      await page.getByLabel("Password").fill(`wrong password ${attempt}`);
      const answer = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-in/email"));
      await button.click();
      const res = await answer;
      if (res.status() === 429) {
        retryAfter = Number(res.headers()["retry-after"]);
        expect(retryAfter, "the server says how long").toBeGreaterThan(0);
        await expect(alert).toContainText(`Try again in ${retryAfter} second`);
        await expect(button).toHaveText(/^Try again in 0:0\d$/);
        await expect(button).toHaveAttribute("aria-disabled", "true");
        await expect(button).toBeFocused(); // focus never falls to <body>
      } else {
        expect(res.status()).toBe(401);
        await expect(alert).toContainText("don't match");
        await expect(page.getByLabel("Password")).toBeFocused();
      }
    }
    expect(retryAfter, "the account was paused").toBeGreaterThanOrEqual(4);
  });

  await test.step("while paused, clicking sends nothing", async () => {
    let sent = 0;
    page.on("request", (r) => {
      if (r.url().endsWith("/sign-in/email")) sent++;
    });
    await button.click({ force: true });
    await page.getByLabel("Password").press("Enter");
    expect(sent).toBe(0);
    await checkPage(page, "sign-in-locked", async () => {
      await expect(button).toHaveAttribute("aria-disabled", "true");
    });
  });

  await test.step("when the countdown ends, the right password signs in", async () => {
    await expect(button).toHaveText("Sign in", { timeout: 20_000 });
    await expect(alert).toHaveCount(0);
    await page.getByLabel("Password").fill(PASSWORD);
    await button.click();
    await expect(page).toHaveURL(/\/tasks$/);
  });
});

test("focus stays where the person acted: task save, Esc, delete, profile and password answers", async ({ page }) => {
  await createVerifiedUser(page, "Fo Cus", uniqueEmail("focus"));
  const list = page.getByRole("region", { name: "Task list" });
  for (const title of ["First", "Second", "Third"]) {
    await addTask(page, title);
    await expect(list.getByText(title)).toBeVisible();
  }

  await test.step("saving an edit returns focus to its Edit button", async () => {
    await page.getByRole("button", { name: "Edit “Second”" }).click();
    await page.getByLabel("Title").fill("Second, edited");
    await page.getByLabel("Title").press("Enter");
    await expect(page.getByRole("button", { name: "Edit “Second, edited”" })).toBeFocused();
  });

  await test.step("Esc leaves the edit form with focus on Edit", async () => {
    await page.getByRole("button", { name: "Edit “First”" }).click();
    await page.getByLabel("Title").press("Escape");
    await expect(page.getByRole("button", { name: "Edit “First”" })).toBeFocused();
  });

  await test.step("deleting a task moves focus to the task now in its place", async () => {
    const rows = list.getByRole("listitem");
    const index = await rows.evaluateAll((els) => els.findIndex((el) => el.textContent?.includes("Second, edited")));
    await page.getByRole("button", { name: "Delete “Second, edited”" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete task" }).click();
    await expect(list.getByText("Second, edited")).toHaveCount(0);
    await expect(rows.nth(Math.min(index, 1)).getByRole("checkbox")).toBeFocused();
  });

  await test.step("account: the wrong current password is said on that field, with focus; success clears on edit", async () => {
    await page.goto("/account");
    const card = page.getByRole("region", { name: "Change password" });
    await card.getByLabel("Current password").fill("not my password");
    await card.getByLabel("New password", { exact: true }).fill("another fine passphrase");
    await card.getByLabel("Confirm new password").fill("another fine passphrase");
    await card.getByRole("button", { name: "Change password" }).click();
    await expect(card.getByLabel("Current password")).toBeFocused();
    await expect(card.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
    await expect(card.getByText("The password is not correct.")).toBeVisible();
    await expect(card.getByRole("alert")).toHaveCount(0);

    const profile = page.getByRole("region", { name: "Profile" });
    await profile.getByRole("button", { name: "Save profile" }).click();
    await expect(profile.getByText("Profile saved.")).toBeVisible();
    await expect(profile.getByRole("button", { name: "Save profile" })).toBeFocused();
    await profile.getByLabel("Name").fill("");
    await expect(profile.getByText("Profile saved.")).toHaveCount(0);
  });
});
