/** One outgoing message, already rendered. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A stored outbox item (dev transport). */
export interface OutboxItem extends Mail {
  createdAt: string;
}

/** Something that delivers mail. `send` resolves once the transport accepted the message. */
export interface Mailer {
  readonly transport: "outbox" | "smtp" | "resend";
  send(mail: Mail): Promise<void>;
  /** Checks that the transport can be reached (used by `doctor`). */
  verify(): Promise<void>;
  close(): Promise<void>;
}
