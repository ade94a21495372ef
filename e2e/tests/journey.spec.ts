import { expect, test } from "../support/fixtures";
import { addTask, PASSWORD, signInViaUi, signUpViaUi, uniqueEmail, verifyViaMailbox } from "../support/flows";

/** The backend must refuse a revoked session within 1 s (docs/ARCHITECTURE.md, Revocation); wait past that. */
const REVOCATION_BOUND_MS = 1_500;

test("sign up, verify from the mailbox, manage tasks, revoke another device", async ({ page, browser, baseURL }) => {
  const email = uniqueEmail("journey");

  await test.step("sign up and re-send the verification mail", async () => {
    await signUpViaUi(page, "Jo Journey", email);
    await expect(page.getByText(email)).toBeVisible();
    await page.getByRole("button", { name: "Send the link again" }).click();
    await expect(page.getByText("A new link is on its way.")).toBeVisible();
    await expect(page.getByRole("button", { name: /Send again in \d+s/ })).toBeDisabled();
  });

  await test.step("open the mailbox and click the verify link", async () => {
    await page.getByRole("link", { name: "dev mailbox" }).click();
    await expect(page.getByRole("heading", { name: "Dev mailbox" })).toBeVisible();
    await verifyViaMailbox(page, email);
    await page.getByRole("link", { name: "Go to your tasks" }).click();
    await expect(page.getByText("No tasks yet. Add your first one above.")).toBeVisible();
  });

  const list = page.getByRole("region", { name: "Task list" });
  await test.step("tasks: add, edit, complete, filter, delete", async () => {
    await addTask(page, "Buy milk", "Two litres");
    await addTask(page, "Write report");
    await expect(list.getByRole("listitem")).toHaveCount(2);
    await expect(list.getByText("Two litres")).toBeVisible();

    await list.getByRole("button", { name: "Edit “Buy milk”" }).click();
    const edit = page.getByRole("form", { name: "Edit “Buy milk”" });
    await edit.getByLabel("Title").fill("Buy oat milk");
    await edit.getByRole("button", { name: "Save" }).click();
    await expect(list.getByText("Buy oat milk")).toBeVisible();

    await list.getByRole("checkbox", { name: "Write report" }).check();
    await expect(list.getByRole("checkbox", { name: "Write report" })).toBeChecked();

    await page.getByRole("button", { name: "Done", exact: true }).click();
    await expect(list.getByRole("listitem")).toHaveCount(1);
    await expect(list.getByText("Write report")).toBeVisible();
    await page.getByRole("button", { name: "Open", exact: true }).click();
    await expect(list.getByRole("listitem")).toHaveCount(1);
    await expect(list.getByText("Buy oat milk")).toBeVisible();
    await page.getByRole("button", { name: "All", exact: true }).click();
    await expect(list.getByRole("listitem")).toHaveCount(2);

    await list.getByRole("button", { name: "Delete “Buy oat milk”" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete task" }).click();
    await expect(list.getByRole("listitem")).toHaveCount(1);

    // What the backend stored, not what the page remembers.
    await page.reload();
    await expect(list.getByRole("listitem")).toHaveCount(1);
    await expect(list.getByRole("checkbox", { name: "Write report" })).toBeChecked();
  });

  const second = await browser.newContext({
    baseURL,
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  });
  try {
    const other = await second.newPage();
    await test.step("sign in on a second browser", async () => {
      await signInViaUi(other, email, PASSWORD);
      await expect(other.getByRole("region", { name: "Task list" }).getByText("Write report")).toBeVisible();
    });

    await test.step("the first browser sees both devices and revokes the second", async () => {
      await page.getByRole("link", { name: "Sessions" }).click();
      const rows = page.getByTestId("session-row");
      await expect(rows).toHaveCount(2);
      await expect(rows.filter({ hasText: "This device" })).toHaveCount(1);
      const firefox = rows.filter({ hasText: "Firefox" });
      await expect(firefox).toHaveCount(1);
      await firefox.getByRole("button", { name: /Revoke/ }).click();
      await expect(page.getByText(/Signed out Firefox/)).toBeVisible();
      await expect(rows).toHaveCount(1);
    });

    await test.step("the second browser is sent to sign-in on its next action", async () => {
      await other.waitForTimeout(REVOCATION_BOUND_MS);
      await addTask(other, "Sneaky task");
      await expect(other).toHaveURL(/\/sign-in\?/);
      await expect(other.getByText("Your session has ended. Please sign in again.")).toBeVisible();
    });

    await test.step("the revoked browser's task never reached the backend", async () => {
      await page.getByRole("link", { name: "Tasks" }).click();
      await expect(list.getByRole("listitem")).toHaveCount(1);
      await expect(list.getByText("Sneaky task")).toHaveCount(0);
    });
  } finally {
    await second.close();
  }
});
