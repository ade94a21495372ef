import type { Page, Request } from "@playwright/test";
import { expect, test } from "../support/fixtures";
import { addTask, createVerifiedUser, uniqueEmail } from "../support/flows";

/** Records every write the page sends to the auth server or the backend. */
function recordWrites(page: Page): string[] {
  const sent: string[] = [];
  page.on("request", (r: Request) => {
    if (r.method() !== "GET" && /\/api\/(auth|v1)\//.test(r.url()))
      sent.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  return sent;
}

test("bad input is stopped in the browser and never reaches a server", async ({ page }) => {
  const sent = recordWrites(page);

  await test.step("sign-up: every field explained, focus on the first problem", async () => {
    await page.goto("/sign-up");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Name is required.")).toBeVisible();
    await expect(page.getByText("Email is required.")).toBeVisible();
    await expect(page.getByText("Password is required.")).toBeVisible();
    await expect(page.getByText("Password confirmation is required.")).toBeVisible();
    await expect(page.getByLabel("Name")).toBeFocused();

    await page.getByLabel("Name").fill("Val Idation");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByLabel("Confirm password").fill("different");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Enter a valid email address, like name@example.com.")).toBeVisible();
    await expect(page.getByText("Password must be at least 8 characters.")).toBeVisible();
    await expect(page.getByText("Passwords don't match.")).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Email")).toBeFocused();

    await page.getByLabel("Password", { exact: true }).fill("x".repeat(129));
    await expect(page.getByText("Password must be at most 128 characters.")).toBeVisible();
  });

  await test.step("sign-in and forgot-password", async () => {
    await page.goto("/sign-in");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByText("Email is required.")).toBeVisible();
    await expect(page.getByText("Password is required.")).toBeVisible();
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill("nobody@nowhere");
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByText("Enter a valid email address, like name@example.com.")).toBeVisible();
  });

  expect(sent, "no request may leave with invalid input").toEqual([]);

  await test.step("tasks: empty and overlong titles", async () => {
    await createVerifiedUser(page, "Val Idation", uniqueEmail("val"));
    sent.length = 0;
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(page.getByText("Title is required.")).toBeVisible();
    await page.getByRole("textbox", { name: "New task" }).fill("t".repeat(201));
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(page.getByText("Title must be at most 200 characters.")).toBeVisible();
    await page.getByRole("textbox", { name: "New task" }).fill("   ");
    await page.getByRole("button", { name: "Add task" }).click();
    await expect(page.getByText("Title is required.")).toBeVisible();
    expect(sent).toEqual([]);
  });
});

test("server failures: readable errors, no blank screen, optimistic changes undone", async ({ page }) => {
  await createVerifiedUser(page, "Err Ror", uniqueEmail("err"));
  await addTask(page, "Keep me");
  const list = page.getByRole("region", { name: "Task list" });
  await expect(list.getByRole("checkbox", { name: "Keep me" })).toBeVisible();

  const boom = JSON.stringify({ code: "INTERNAL_ERROR", message: "Something broke." });
  await test.step("a failed completion rolls back", async () => {
    // The backend answers 500 to every change of this task; reads still work.
    await page.route("**/api/v1/tasks/*", (route) =>
      route.request().method() === "GET"
        ? route.continue()
        : route.fulfill({ status: 500, contentType: "application/json", body: boom }),
    );
    await list.getByRole("checkbox", { name: "Keep me" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Couldn't update “Keep me”" })).toContainText(
      "Your change was undone.",
    );
    await expect(list.getByRole("checkbox", { name: "Keep me" })).not.toBeChecked();
  });

  await test.step("a failed delete puts the task back", async () => {
    await list.getByRole("button", { name: "Delete “Keep me”" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete task" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Couldn't delete “Keep me”" })).toBeVisible();
    await expect(list.getByRole("checkbox", { name: "Keep me" })).toBeVisible();
    await page.unroute("**/api/v1/tasks/*");
  });

  await test.step("a failed list load explains itself and can be retried", async () => {
    await page.route("**/api/v1/tasks?*", (route) =>
      route.fulfill({ status: 503, contentType: "text/html", body: "<h1>Bad gateway</h1>" }),
    );
    await page.reload();
    await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
    await expect(list.getByRole("alert")).toContainText("Something went wrong on our side. Please try again.");
    await page.unroute("**/api/v1/tasks?*");
    await list.getByRole("button", { name: "Try again" }).click();
    await expect(list.getByRole("checkbox", { name: "Keep me" })).toBeVisible();
  });

  await test.step("no network at all", async () => {
    await page.route("**/api/v1/tasks?*", (route) => route.abort("connectionrefused"));
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect(list.getByRole("alert")).toContainText("Can't reach the server.");
    await page.unroute("**/api/v1/tasks?*");
  });

  await test.step("the auth server failing on a profile save", async () => {
    await page.route("**/api/auth/update-user", (route) =>
      route.fulfill({ status: 500, contentType: "application/json", body: boom }),
    );
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByLabel("Name").fill("New Name");
    await page.getByRole("button", { name: "Save profile" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Something went wrong on our side." })).toBeVisible();
    await expect(page.getByRole("button", { name: "Save profile" })).toBeEnabled();
  });
});

test("the keyboard alone gets through sign-in, with a visible focus ring", async ({ page }) => {
  const email = uniqueEmail("kb");
  await createVerifiedUser(page, "Kay Board", email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You have signed out.")).toBeVisible();

  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Tab"); // brand
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type("correct horse battery");
  await page.keyboard.press("Tab"); // forgot-password link
  await page.keyboard.press("Tab");
  const submit = page.getByRole("button", { name: "Sign in", exact: true });
  await expect(submit).toBeFocused();
  const outline = await submit.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe("none");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/tasks$/);
});
