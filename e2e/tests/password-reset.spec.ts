import { expect, linkIn, test, waitForMail } from "../support/fixtures";
import { createVerifiedUser, PASSWORD, signInViaUi, uniqueEmail } from "../support/flows";

const NEW_PASSWORD = "a different passphrase 42";

test("forgot password → reset → old password refused, new one accepted", async ({ page }) => {
  const email = uniqueEmail("reset");
  await createVerifiedUser(page, "Rae Reset", email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You have signed out.")).toBeVisible();

  const requestedAt = Date.now() - 1000;
  await test.step("request a reset link", async () => {
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByText(/a reset link is on its way/)).toBeVisible();
  });

  const link = linkIn(await waitForMail(page.request, email, /Reset your password/, requestedAt), "/reset-password");
  await test.step("follow the mailed link and choose a new password", async () => {
    await page.goto(link);
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page).toHaveURL(/\/sign-in\?reason=password-reset/);
    await expect(page.getByText("Your password has been changed. Sign in with the new one.")).toBeVisible();
  });

  await test.step("the old password is refused", async () => {
    await signInViaUi(page, email, PASSWORD);
    await expect(page.getByRole("alert")).toContainText("That email and password don't match an account.");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  await test.step("the new password works", async () => {
    await page.getByLabel("Password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/tasks$/);
    await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  });

  await test.step("a used link is refused on arrival, before any password is typed", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.goto(link);
    await expect(page.getByText("Link not valid")).toBeVisible();
    await expect(page.getByLabel("New password", { exact: true })).toHaveCount(0);
    await expect(page.getByText("This link is not valid or has already been used.")).toBeVisible();
    await expect(page.getByRole("link", { name: "Request a new link" })).toBeVisible();
  });
});
