import type { Resend } from "resend";
import type { Mail, Mailer } from "./types.js";

/** Delivers through the Resend API (RESEND_API_KEY). Not exercised by tests: no network here. */
export class ResendMailer implements Mailer {
  readonly transport = "resend" as const;
  private readonly client: Promise<Resend>;

  constructor(
    apiKey: string,
    private readonly from: string,
  ) {
    // Loaded only when Resend is the transport: every other process saves its memory.
    this.client = import("resend").then(({ Resend }) => new Resend(apiKey));
  }

  async send(mail: Mail): Promise<void> {
    const { error } = await (await this.client).emails.send({ from: this.from, ...mail });
    if (error) throw new Error(`Resend refused the message: ${error.message}`);
  }

  async verify(): Promise<void> {
    const { error } = await (await this.client).domains.list();
    if (error) throw new Error(`Resend API unreachable or key refused: ${error.message}`);
  }

  async close(): Promise<void> {}
}
