import { SignJWT } from "jose";
import { expect, linkIn, stack, test, waitForMail } from "../support/fixtures";
import { createVerifiedUser, signUpViaUi, uniqueEmail, verifyViaMailbox } from "../support/flows";
import { checkPage } from "../support/screens";

/** What a click after the 15 minutes sends: better-auth's own token shape, signed with the stack's secret, expired. */
async function expiredVerificationToken(email: string): Promise<string> {
  const key = new TextEncoder().encode(stack().secret);
  const past = Math.floor(Date.now() / 1000) - 3600;
  return new SignJWT({ email })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(past - 900)
    .setExpirationTime(past)
    .sign(key);
}

test("verification links: the waiting tab moves on, a re-used link says 'already verified — sign in'", async ({
  page,
  context,
}) => {
  const email = uniqueEmail("linky");
  await signUpViaUi(page, "Lin Ky", email);
  await expect(page).toHaveURL(/\/check-inbox/);
  const link = linkIn(await waitForMail(page.request, email, /Verify your email address/), "/verify-email");
  const other = await context.newPage();

  await test.step("the link opened in another tab signs in there; the waiting tab moves on by itself", async () => {
    await other.goto(link);
    await expect(other.getByRole("heading", { name: "Email verified" })).toBeVisible();
    await expect(page).toHaveURL(/\/tasks$/);
    await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  });

  await test.step("the same link again, signed out: already verified, sign in with the address filled in", async () => {
    await other.getByRole("link", { name: "Go to your tasks" }).click();
    await other.getByRole("button", { name: "Sign out" }).click();
    await expect(other).toHaveURL(/\/sign-in/);
    await other.goto(link);
    await expect(other.getByRole("heading", { name: "Already verified" })).toBeVisible();
    await expect(other.getByText("you're signed in")).toHaveCount(0);
    await checkPage(other, "verify-email-already", async () => {
      await expect(other.getByRole("heading", { name: "Already verified" })).toBeVisible();
    });
    await other.getByRole("link", { name: "Sign in" }).click();
    await expect(other.getByLabel("Email")).toHaveValue(email);
  });
});

test("verification on another device: the waiting tab moves on to sign-in, saying the address is confirmed", async ({
  page,
  browser,
  baseURL,
}) => {
  const email = uniqueEmail("phone");
  await signUpViaUi(page, "Pho Ne", email);
  await expect(page).toHaveURL(/\/check-inbox/);
  const link = linkIn(await waitForMail(page.request, email, /Verify your email address/), "/verify-email");
  // Another device: its own browser context, sharing no cookie, storage or BroadcastChannel.
  const phone = await browser.newContext({ baseURL });
  try {
    const other = await phone.newPage();
    await other.goto(link);
    await expect(other.getByRole("heading", { name: "Email verified" })).toBeVisible();
  } finally {
    await phone.close();
  }
  // The waiting tab asks the server every 5 s; it is not signed in here, so it goes to sign-in.
  await expect(page).toHaveURL(/\/sign-in\?/, { timeout: 20_000 });
  await expect(page.getByText("Your email address is confirmed. Sign in to continue.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await checkPage(page, "sign-in-verified-elsewhere", async () => {
    await expect(page.getByText("Your email address is confirmed. Sign in to continue.")).toBeVisible();
  });
});

test("an expired verification link sends a new one to the address it was for, and says so", async ({ page }) => {
  const email = uniqueEmail("late");
  await signUpViaUi(page, "La Te", email);
  await page.goto(`/verify-email?token=${await expiredVerificationToken(email)}`);
  await expect(page.getByRole("heading", { name: "This link has expired" })).toBeVisible();
  const before = Date.now();
  await page.getByRole("button", { name: `Send a new link to ${email}` }).click();
  await expect(page.getByText("A new link is on its way")).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await waitForMail(page.request, email, /Verify your email address/, before);
  await checkPage(page, "verify-email-expired-resent", async () => {
    await expect(page.getByText("A new link is on its way")).toBeVisible();
  });
  await verifyViaMailbox(page, email);
});

test("reset links are checked on arrival: missing, used and unknown links say so before any password is typed", async ({
  page,
  browser,
  baseURL,
}) => {
  const email = uniqueEmail("resetter");
  const ctx = await browser.newContext({ baseURL });
  try {
    await createVerifiedUser(await ctx.newPage(), "Re Set", email);
  } finally {
    await ctx.close();
  }
  const form = page.getByLabel("New password", { exact: true });

  await test.step("no token, an unknown token", async () => {
    await page.goto("/reset-password");
    await expect(page.getByText("Link not valid")).toBeVisible();
    await expect(form).toHaveCount(0);
    await page.goto("/reset-password?token=not-a-real-token");
    await expect(page.getByText("Link not valid")).toBeVisible();
    await expect(form).toHaveCount(0);
    await checkPage(page, "reset-password-invalid", async () => {
      await expect(page.getByRole("link", { name: "Request a new link" })).toBeVisible();
    });
  });

  await test.step("a good link shows the form; once used, the same link is refused on arrival", async () => {
    const before = Date.now();
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    const link = linkIn(await waitForMail(page.request, email, /Reset your password/, before), "/reset-password");
    await page.goto(link);
    await expect(form).toBeVisible();
    await form.fill("a different passphrase");
    await page.getByLabel("Confirm new password").fill("a different passphrase");
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page).toHaveURL(/\/sign-in\?reason=password-reset/);
    await page.goto(link);
    await expect(page.getByText("Link not valid")).toBeVisible();
    await expect(form).toHaveCount(0);
  });
});
