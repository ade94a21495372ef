import type { Env } from "../env.js";
import { OutboxMailer } from "./outbox.js";
import { ResendMailer } from "./resend.js";
import { SmtpMailer } from "./smtp.js";
import type { Mailer } from "./types.js";

export * from "./account-templates.js";
export { OutboxMailer } from "./outbox.js";
export * from "./templates.js";
export type { Mail, Mailer, OutboxItem } from "./types.js";

/** Builds the transport EMAIL_TRANSPORT names; env.ts already checked its settings. */
export function createMailer(env: Env): Mailer {
  switch (env.EMAIL_TRANSPORT) {
    case "smtp":
      return new SmtpMailer(env.SMTP_URL as string, env.EMAIL_FROM);
    case "resend":
      return new ResendMailer(env.RESEND_API_KEY as string, env.EMAIL_FROM);
    default:
      return new OutboxMailer();
  }
}
