import { readFileSync } from "node:fs";
import { type APIRequestContext, test as base, expect } from "@playwright/test";
import { STATE_FILE, type StackInfo } from "./stack";

let cached: StackInfo | null = null;

/** URLs of the stack global setup started. */
export function stack(): StackInfo {
  cached ??= JSON.parse(readFileSync(STATE_FILE, "utf8")) as StackInfo;
  return cached;
}

/** Tests get the web app's URL as baseURL, so `page.goto("/tasks")` works. */
export const test = base.extend({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured object
  baseURL: async ({}, use) => {
    await use(stack().webUrl);
  },
});

export { expect };

export interface Mail {
  to: string;
  subject: string;
  text: string;
  createdAt: string;
}

/**
 * Polls the dev outbox (through the web app's proxy) until a mail to `to` matching `subject` shows
 * up; `webUrl` is a spec's own stack, if it started one.
 */
export async function waitForMail(
  request: APIRequestContext,
  to: string,
  subject: RegExp,
  after = 0,
  webUrl = stack().webUrl,
): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(
      async () => {
        const res = await request.get(`${webUrl}/api/dev/outbox?to=${encodeURIComponent(to)}`);
        const mails = (await res.json()) as Mail[];
        found = mails.find((m) => subject.test(m.subject) && Date.parse(m.createdAt) >= after);
        return Boolean(found);
      },
      { message: `mail "${subject}" to ${to}`, timeout: 10_000 },
    )
    .toBe(true);
  return found as Mail;
}

/** The first link in a mail's text that goes to `path` on the web app. */
export function linkIn(mail: Mail, path: string): string {
  const m = mail.text.match(new RegExp(`https?://\\S+${path.replace(/[/?]/g, "\\$&")}\\?token=[^\\s]+`));
  if (!m) throw new Error(`no ${path} link in mail:\n${mail.text}`);
  return m[0];
}
