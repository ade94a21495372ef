import { createRequire } from "node:module";
import type NodeMailer from "nodemailer";
import type { Mail, Mailer } from "./types.js";

/** Delivers through any SMTP server named by SMTP_URL (smtp:// or smtps://). */
export class SmtpMailer implements Mailer {
  readonly transport = "smtp" as const;
  private readonly transporter: NodeMailer.Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    // Loaded only when SMTP is the transport: every other process saves its memory.
    const nodemailer = createRequire(import.meta.url)("nodemailer") as typeof NodeMailer;
    this.transporter = nodemailer.createTransport(smtpUrl, {
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(mail: Mail): Promise<void> {
    await this.transporter.sendMail({ from: this.from, ...mail });
  }

  async verify(): Promise<void> {
    await this.transporter.verify();
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
