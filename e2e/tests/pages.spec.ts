import { expect, test } from "../support/fixtures";
import { addTask, createVerifiedUser, PASSWORD, signInAsAdmin, uniqueEmail } from "../support/flows";
import { checkPage } from "../support/screens";

/** Every main page, at desktop and phone width: screenshot, no overflow, no serious axe findings. */

test("signed-out pages", async ({ page }) => {
  const visible = (name: string | RegExp) => async () => {
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  };
  await page.goto("/sign-in");
  await checkPage(page, "sign-in", async () => {
    await visible("Sign in")();
    await expect(page.getByRole("button", { name: "Continue with Acme SSO" })).toBeVisible();
  });
  await page.goto("/sign-up");
  await checkPage(page, "sign-up", visible("Create your account"));
  await page.getByRole("button", { name: "Create account" }).click(); // the validation state
  await checkPage(page, "sign-up-errors", async () => {
    await expect(page.getByText("Name is required.")).toBeVisible();
  });
  await page.goto("/check-inbox?email=someone%40example.com");
  await checkPage(page, "check-inbox", visible("Check your inbox"));
  await page.goto("/forgot-password");
  await checkPage(page, "forgot-password", visible("Reset your password"));
  await page.goto("/reset-password?token=not-a-real-token");
  await checkPage(page, "reset-password", visible("Choose a new password"));
  await page.goto("/verify-email?token=not-a-real-token");
  await checkPage(page, "verify-email-invalid", visible("This link doesn't work"));
});

test("signed-in pages", async ({ page, browser, baseURL }) => {
  const email = uniqueEmail("pat");
  await createVerifiedUser(page, "Pat Pages", email);
  await page.goto("/dev/mailbox");
  await page.getByLabel("Recipient").fill(email);
  await page.getByRole("button", { name: "Filter" }).click();
  await checkPage(page, "mailbox", async () => {
    await expect(page.getByRole("article", { name: "Verify your email address" })).toHaveCount(1);
  });
  await page.getByRole("link", { name: "Tasks" }).click();
  await checkPage(page, "tasks-empty", async () => {
    await expect(page.getByText("No tasks yet.")).toBeVisible();
  });
  await addTask(page, "Renew passport", "Photos first, then the form at the town hall. Bring the old one.");
  await addTask(page, "Call the plumber");
  await addTask(
    page,
    "A rather long task title that keeps going to show how wrapping behaves on a narrow phone screen",
  );
  const list = page.getByRole("region", { name: "Task list" });
  await list.getByRole("checkbox", { name: "Call the plumber" }).check();
  await expect(list.getByRole("checkbox", { name: "Call the plumber" })).toBeChecked();
  await checkPage(page, "tasks", async () => {
    await expect(list.getByRole("listitem")).toHaveCount(3);
  });

  await page.getByRole("link", { name: "Account" }).click();
  await checkPage(page, "account", async () => {
    await expect(page.getByRole("heading", { name: "Change password" })).toBeVisible();
  });

  // A second device, so the sessions page has something to revoke.
  const other = await browser.newContext({
    baseURL,
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  });
  try {
    const p2 = await other.newPage();
    await p2.goto("/sign-in");
    await p2.getByLabel("Email").fill(email);
    await p2.getByLabel("Password").fill(PASSWORD);
    await p2.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(p2).toHaveURL(/\/tasks$/);
  } finally {
    await other.close();
  }
  await page.getByRole("link", { name: "Sessions" }).click();
  await checkPage(page, "sessions", async () => {
    await expect(page.getByTestId("session-row")).toHaveCount(2);
  });

  await page.goto("/no-such-page");
  await checkPage(page, "not-found", async () => {
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  });
  await page.goto("/admin");
  await checkPage(page, "admin-refused", async () => {
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  });
});

test("admin pages", async ({ page, browser, baseURL }) => {
  // A user to look at, with a live session.
  const userCtx = await browser.newContext({ baseURL });
  const email = uniqueEmail("uma");
  try {
    await createVerifiedUser(await userCtx.newPage(), "Uma User", email);
  } finally {
    await userCtx.close();
  }
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await checkPage(page, "admin-users", async () => {
    await expect(page.getByRole("table")).toBeVisible();
  });
  await page.getByLabel("Search users").fill(email);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: `Manage ${email}` }).click();
  await checkPage(page, "admin-user", async () => {
    await expect(page.getByRole("region", { name: "Sessions" }).getByText("1 active")).toBeVisible();
  });
  await page.getByRole("button", { name: "Impersonate" }).click();
  await checkPage(page, "impersonating", async () => {
    await expect(page.getByRole("region", { name: "Impersonation" })).toBeVisible();
  });
  await test.step("'Sign out' while impersonating ends the impersonation, back on that user's page", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Uma User" })).toBeVisible();
    await expect(page.getByText(`You stopped impersonating ${email}.`)).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toBeVisible();
  });

  await test.step("on a phone every tab of the main navigation is in view, Mailbox included", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const name of ["Tasks", "Account", "Sessions", "Admin", "Mailbox"]) {
      const box = await nav.getByRole("link", { name }).boundingBox();
      expect(box, `${name} is laid out`).not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 390, `${name} is within the screen`).toBe(
        true,
      );
    }
    await checkPage(page, "admin-nav-mobile", async () => {
      await expect(nav.getByRole("link", { name: "Mailbox" })).toBeVisible();
    });
  });
});

test("admin: search, paging and role changes", async ({ page, baseURL }) => {
  // Eleven users sharing a tag (sign-up through the API: listing does not need them verified).
  const tag = `pager${Date.now().toString(36)}`;
  for (let i = 0; i < 11; i++) {
    const res = await page.request.post("/api/auth/sign-up/email", {
      data: { name: `Pager ${i}`, email: `${tag}-${i}@e2e.gatehouse.test`, password: PASSWORD },
      // As the web app's own page would send it: state-changing requests need a trusted Origin.
      headers: { Origin: new URL(baseURL ?? "http://localhost").origin },
    });
    expect(res.status(), await res.text()).toBe(200);
    expect(res.ok()).toBe(true);
  }
  await signInAsAdmin(page);
  await page.goto("/admin");
  await page.getByLabel("Search users").fill(tag);
  await page.getByRole("button", { name: "Search" }).click();
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(11); // header + 10
  await expect(page.getByText("1–10 of 11")).toBeVisible();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(rows).toHaveCount(2);
  await expect(page.getByText("11–11 of 11")).toBeVisible();
  await expect(page).toHaveURL(/page=1/);
  await page.getByRole("button", { name: "Previous" }).click();
  await expect(rows).toHaveCount(11);

  await page.getByLabel("Search in").selectOption("name");
  await page.getByLabel("Search users").fill(`Pager 1`);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText(/^1–\d+ of \d+/)).toBeVisible();
  await expect(rows.filter({ hasText: "Pager 10" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "Pager 2" })).toHaveCount(0);
  await page.getByLabel("Search users").fill("nobody-matches-this");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No users match “nobody-matches-this”.")).toBeVisible();

  await page.getByLabel("Search in").selectOption("email");
  await page.getByLabel("Search users").fill(`${tag}-3@`);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: `Manage ${tag}-3@e2e.gatehouse.test` }).click();
  const role = page.getByRole("region", { name: "Role" });
  await role.getByLabel("Role").selectOption("admin");
  await role.getByRole("button", { name: "Save role…" }).click();
  await page
    .getByRole("dialog", { name: `Make ${tag}-3@e2e.gatehouse.test an admin?` })
    .getByRole("button", { name: "Make admin" })
    .click();
  await expect(role.getByText("Role changed from user to admin.")).toBeVisible();
  await expect(page.getByRole("region", { name: "Details" }).getByText("admin", { exact: true })).toBeVisible();
  // Admins cannot be impersonated (the server refuses it too).
  await expect(page.getByRole("button", { name: "Impersonate" })).toBeDisabled();
});
