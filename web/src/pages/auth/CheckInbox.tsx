import { type ReactElement, useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { DEV_MAILBOX } from "../../config";
import { authClient } from "../../lib/auth-client";
import { onAnnouncement } from "../../lib/auth-links";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useCountdown } from "../../lib/use-countdown";
import { useForm } from "../../lib/use-form";
import { email } from "../../lib/validation";

/** Seconds to wait between two re-sends, so an impatient double-click doesn't flood the inbox. */
const RESEND_COOLDOWN_S = 30;

export function CheckInboxPage(): ReactElement {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  // The link opened in another tab of this browser signs in there: this tab moves on too. The
  // same check runs whenever the tab comes back into view (a tab asleep may miss the message).
  useEffect(() => {
    const moveOnIfSignedIn = async (): Promise<void> => {
      const { data } = await authClient.getSession();
      if (data) navigate("/tasks", { replace: true });
    };
    const onVisible = (): void => {
      if (document.visibilityState === "visible") void moveOnIfSignedIn();
    };
    document.addEventListener("visibilitychange", onVisible);
    const stop = onAnnouncement((signal) => {
      if (signal.type === "signed-in") void moveOnIfSignedIn();
    });
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      stop();
    };
  }, [navigate]);
  const form = useForm({ email: params.get("email") ?? "" }, () => ({ email: [email] }));
  const [sentAt, setSentAt] = useState<number | null>(null);
  const resend = useAction(async (address: string) => {
    unwrap(await authClient.sendVerificationEmail({ email: address.trim() }));
    setSentAt(Date.now());
  });

  const wait = useCountdown(sentAt ? sentAt + RESEND_COOLDOWN_S * 1000 : null);

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
          Verified on another device?{" "}
          <Link to={address ? `/sign-in?email=${encodeURIComponent(address)}` : "/sign-in"}>Sign in</Link>
        </p>
      </div>
    </>
  );
}
