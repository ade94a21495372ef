import { type ReactElement, useEffect, useMemo, useRef, useState } from "react";
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
import {
  forgetWaiter,
  pollDelayS,
  WAIT_LIMIT_S,
  type Waiter,
  waiterFor,
  waiterHeaders,
  waiterStatus,
} from "../../lib/verification-waiter";

/** Seconds to wait between two re-sends, so an impatient double-click doesn't flood the inbox. */
const RESEND_COOLDOWN_S = 30;

/**
 * Asks the auth server, every few seconds while the tab is visible, whether the address `waiter`
 * waits on was verified (on any device), and calls `onVerified` once it was. Bounded: stops after
 * WAIT_LIMIT_S; a failed ask (offline, rate limit) just waits for the next turn.
 */
function usePollVerification(waiter: Waiter | null, onVerified: () => void): void {
  const latest = useRef(onVerified);
  latest.current = onVerified;
  useEffect(() => {
    if (!waiter) return;
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let asking = false;
    const ask = async (): Promise<void> => {
      if (stopped || asking || document.visibilityState !== "visible") return;
      asking = true;
      try {
        if ((await waiterStatus(waiter)) === "verified" && !stopped) {
          stopped = true;
          latest.current();
        }
      } catch {
        // Try again at the next turn.
      } finally {
        asking = false;
      }
    };
    const schedule = (): void => {
      const elapsedS = (Date.now() - started) / 1000;
      if (stopped || elapsedS > WAIT_LIMIT_S) return;
      timer = setTimeout(async () => {
        await ask();
        schedule();
      }, pollDelayS(elapsedS) * 1000);
    };
    const onVisible = (): void => {
      if (document.visibilityState === "visible") void ask();
    };
    document.addEventListener("visibilitychange", onVisible);
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [waiter]);
}

export function CheckInboxPage(): ReactElement {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const address = params.get("email");
  // Made by this tab's sign-up (none when the page was reached otherwise: then only this
  // browser's own tabs can tell it, below).
  const waiter = useMemo(() => waiterFor(address), [address]);
  // The link opened in another tab of this browser signs in there: this tab moves on too. The
  // same check runs whenever the tab comes back into view (a tab asleep may miss the message).
  useEffect(() => {
    const moveOnIfSignedIn = async (): Promise<void> => {
      const { data } = await authClient.getSession();
      if (!data) return;
      // getSession() leaves useSession's store alone: tell it, or the signed-in pages' guard still
      // holds this tab's "signed out" and sends it back to sign-in.
      authClient.$store.notify("$sessionSignal");
      navigate("/tasks", { replace: true });
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
  // Verified on another device: that device is signed in, this one is asked to sign in.
  usePollVerification(waiter, () => {
    void (async () => {
      forgetWaiter();
      const { data } = await authClient.getSession();
      if (data) {
        authClient.$store.notify("$sessionSignal");
        return navigate("/tasks", { replace: true });
      }
      const email = address ? `email=${encodeURIComponent(address)}&` : "";
      navigate(`/sign-in?${email}reason=verified-elsewhere`, { replace: true });
    })();
  });
  const form = useForm({ email: params.get("email") ?? "" }, () => ({ email: [email] }));
  const [sentAt, setSentAt] = useState<number | null>(null);
  const resend = useAction(async (to: string) => {
    // This tab's own re-send keeps its wait going (a wait is never started by a re-send).
    unwrap(await authClient.sendVerificationEmail({ email: to.trim() }, { headers: waiterHeaders(waiterFor(to)) }));
    setSentAt(Date.now());
  });

  const wait = useCountdown(sentAt ? sentAt + RESEND_COOLDOWN_S * 1000 : null);

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
