import { expect, test } from "../support/fixtures";
import { addTask, createVerifiedUser, PASSWORD, signInViaUi, uniqueEmail } from "../support/flows";

/** The backend must refuse a revoked session within 1 s (docs/ARCHITECTURE.md, Revocation); wait past that. */
const REVOCATION_BOUND_MS = 1_500;
const NEW_PASSWORD = "an entirely new passphrase";

test("account: profile, then a password change that signs out the other device", async ({ page, browser, baseURL }) => {
  const email = uniqueEmail("acc");
  await createVerifiedUser(page, "Ann Account", email);

  await test.step("profile name and picture; sign-in methods from the backend", async () => {
    await page.getByRole("link", { name: "Account" }).click();
    await expect(page.getByRole("region", { name: "Sign-in methods" }).getByText("Email and password")).toBeVisible();
    await page.getByLabel("Name").fill("Ann Renamed");
    await page.getByLabel("Profile picture URL").fill("javascript:alert(1)");
    await page.getByRole("button", { name: "Save profile" }).click();
    await expect(page.getByText("Use an http:// or https:// address.")).toBeVisible();
    await page.getByLabel("Profile picture URL").fill("");
    await page.getByRole("button", { name: "Save profile" }).click();
    await expect(page.getByText("Profile saved.")).toBeVisible();
    await expect(page.getByRole("banner").getByText("Ann Renamed")).toBeVisible();
    await page.reload();
    await expect(page.getByLabel("Name")).toHaveValue("Ann Renamed");
  });

  const other = await browser.newContext({ baseURL });
  try {
    const p2 = await other.newPage();
    await signInViaUi(p2, email);
    await expect(p2).toHaveURL(/\/tasks$/);

    await test.step("a wrong current password is refused, said on that field", async () => {
      await page.getByLabel("Current password").fill("not my password");
      await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByText("The password is not correct.")).toBeVisible();
      await expect(page.getByLabel("Current password")).toBeFocused();
    });

    await test.step("change it, signing out the other device", async () => {
      await page.getByLabel("Current password").fill(PASSWORD);
      await expect(page.getByLabel("Sign out all other devices")).toBeChecked();
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByText("Password changed. Every other device has been signed out.")).toBeVisible();
    });

    await test.step("this device carries on; the other one is out", async () => {
      await page.getByRole("link", { name: "Tasks" }).click();
      await addTask(page, "Still signed in");
      await expect(page.getByRole("region", { name: "Task list" }).getByText("Still signed in")).toBeVisible();

      await p2.waitForTimeout(REVOCATION_BOUND_MS);
      await p2.getByRole("button", { name: "Refresh" }).click();
      await expect(p2).toHaveURL(/\/sign-in\?/);
      await signInViaUi(p2, email, NEW_PASSWORD);
      await expect(p2).toHaveURL(/\/tasks$/);
    });
  } finally {
    await other.close();
  }
});

test("account: delete it for good", async ({ page }) => {
  const email = uniqueEmail("del");
  await createVerifiedUser(page, "Del Ete", email);
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("button", { name: "Delete my account…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete your account?" });
  await dialog.getByRole("button", { name: "Delete account" }).click();
  await expect(dialog.getByText("Password is required.")).toBeVisible();
  await dialog.getByLabel("Password").fill(PASSWORD);
  await dialog.getByRole("button", { name: "Delete account" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=account-deleted/);
  await expect(page.getByText("Your account has been deleted.")).toBeVisible();
  await signInViaUi(page, email);
  await expect(page.getByRole("alert")).toContainText("That email and password don't match an account.");
});
