import { type ReactElement, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { DEV_MAILBOX } from "../../config";
import { authClient } from "../../lib/auth-client";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { email } from "../../lib/validation";

/** Seconds to wait between two re-sends, so an impatient double-click doesn't flood the inbox. */
const RESEND_COOLDOWN_S = 30;

export function CheckInboxPage(): ReactElement {
  const [params] = useSearchParams();
  const form = useForm({ email: params.get("email") ?? "" }, () => ({ email: [email] }));
  const [sentAt, setSentAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const resend = useAction(async (address: string) => {
    unwrap(await authClient.sendVerificationEmail({ email: address.trim() }));
    setSentAt(Date.now());
  });

  const wait = sentAt ? Math.max(0, RESEND_COOLDOWN_S - Math.floor((now - sentAt) / 1000)) : 0;
  useEffect(() => {
    if (!wait) return;
    const t = setTimeout(() => setNow(Date.now()), 1000);
    return () => clearTimeout(t);
  }, [wait]);

  const address = params.get("email");
  return (
    <>
      <div className="card auth-card stack">
        <div>
          <div className="empty-icon">
            <Icon name="mail" size={36} />
          </div>
          <h1>Check your inbox</h1>
          <p>
            We sent a verification link to{" "}
            {address ? <strong className="break">{address}</strong> : "your email address"}. Open it to activate your
            account — it's valid for 15 minutes.
          </p>
          <p className="muted small">No mail after a minute? Check spam, or send it again.</p>
        </div>
        {sentAt && <Alert tone="success">A new link is on its way.</Alert>}
        <ErrorAlert error={resend.error} />
        <form
          className="stack"
          noValidate
          onSubmit={form.handleSubmit(async (v) => {
            await resend.run(v.email);
          })}
        >
          {!address && <TextField label="Email" type="email" autoComplete="email" {...form.field("email")} />}
          <Button type="submit" variant="secondary" block loading={resend.pending} disabled={wait > 0}>
            {wait > 0 ? `Send again in ${wait}s` : "Send the link again"}
          </Button>
        </form>
        {DEV_MAILBOX && (
          <Alert tone="info">
            Developing locally? Mail is not sent anywhere: open the <Link to="/dev/mailbox">dev mailbox</Link>.
          </Alert>
        )}
      </div>
      <div className="auth-footer">
        <p>
          Already verified? <Link to="/sign-in">Sign in</Link>
        </p>
      </div>
    </>
  );
}
