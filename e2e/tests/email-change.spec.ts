import { expect, linkIn, test, waitForMail } from "../support/fixtures";
import { createVerifiedUser, signInViaUi, uniqueEmail } from "../support/flows";
import { checkPage } from "../support/screens";

test("email change: the current address approves, the new one confirms, then sign-in uses the new one", async ({
  page,
}) => {
  const email = uniqueEmail("mover");
  const next = uniqueEmail("moved");
  await createVerifiedUser(page, "Mo Ver", email);
  await page.goto("/account");
  const section = page.getByRole("region", { name: "Email address" });
  const before = Date.now();
  await section.getByLabel("New email address").fill(next);
  await section.getByRole("button", { name: "Change email" }).click();
  await expect(section.getByText("To approve the change")).toBeVisible();
  await checkPage(page, "account-email-change", async () => {
    await expect(section.getByText("To approve the change")).toBeVisible();
  });

  const approve = await waitForMail(page.request, email, /Approve your email change/, before);
  expect(approve.text).toContain(next);
  await page.goto(linkIn(approve, "/verify-email"));
  await expect(page.getByRole("heading", { name: "Change approved" })).toBeVisible();
  await checkPage(page, "email-change-approved", async () => {
    await expect(page.getByRole("heading", { name: "Change approved" })).toBeVisible();
  });

  const confirm = await waitForMail(page.request, next, /Confirm your new email address/, before);
  await page.goto(linkIn(confirm, "/verify-email"));
  await expect(page.getByRole("heading", { name: "Email address changed" })).toBeVisible();
  await page.getByRole("link", { name: "Go to your account" }).click();
  await expect(page.getByRole("region", { name: "Email address" })).toContainText(next);

  await page.getByRole("button", { name: "Sign out" }).click();
  await signInViaUi(page, next);
  await expect(page).toHaveURL(/\/tasks$/);
});
