import { type ReactElement, useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { PageLoader } from "../../components/Spinner";
import { ErrorCode } from "../../contract.gen";
import { authClient } from "../../lib/auth-client";
import { type PasswordLinkStatus, passwordLinkStatus } from "../../lib/auth-links";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { LIMITS, matches, password, required } from "../../lib/validation";

type Values = { password: string; confirm: string };
const rules = (v: Values) => ({
  password: [password],
  confirm: [required("Password confirmation"), matches(() => v.password)],
});

/** The same form answers a reset link and an invitation (an admin's create-user without a password). */
const COPY = {
  reset: {
    title: "Choose a new password",
    intro: "Setting a new password signs you out on every device.",
    submit: "Set new password",
    done: "/sign-in?reason=password-reset",
    expired: "This password reset link has expired. Request a new one.",
    invalid: "This link is not valid or has already been used. Request a new one.",
    again: "Request a new link",
  },
  invite: {
    title: "Choose your password",
    intro: "Welcome to Gatehouse. Choose a password to finish setting up your account.",
    submit: "Set password",
    done: "/sign-in?reason=password-set",
    expired: "This invitation has expired. Ask for a new one, or request a password link with your email.",
    invalid: "This invitation is not valid or has already been used. If you set your password already, sign in.",
    again: "Request a password link",
  },
} as const;

type LinkState = PasswordLinkStatus | "checking";

/**
 * Landing page of reset and invitation links. The link is checked on arrival (used, expired,
 * missing), so nobody types a new password twice only to learn the link was dead.
 */
export function ResetPasswordPage({ mode = "reset" }: { mode?: "reset" | "invite" }): ReactElement {
  const copy = COPY[mode];
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get("token");
  const [link, setLink] = useState<LinkState>(() => (token && !params.get("error") ? "checking" : "invalid"));
  const form = useForm<keyof Values>({ password: "", confirm: "" }, rules);
  const reset = useAction(async (v: Values) =>
    unwrap(await authClient.resetPassword({ newPassword: v.password, token: token ?? "" })),
  );

  useEffect(() => {
    if (!token || link !== "checking") return;
    let live = true;
    // A check that cannot run (network) leaves the form up: the reset itself still checks.
    passwordLinkStatus(token).then(
      (s) => live && setLink(s),
      () => live && setLink("valid"),
    );
    return () => {
      live = false;
    };
  }, [token, link]);

  // The link can also die while the page is open (used in another tab, expired meanwhile).
  const code = reset.error?.code;
  const status: LinkState =
    code === ErrorCode.TOKEN_EXPIRED ? "expired" : code === ErrorCode.INVALID_TOKEN ? "invalid" : link;

  return (
    <>
      <div className="card auth-card">
        <div className="card-header">
          <h1>{copy.title}</h1>
          <p className="muted">{copy.intro}</p>
        </div>
        {status === "checking" ? (
          <PageLoader label="Checking your link…" />
        ) : status !== "valid" ? (
          <div className="stack">
            <Alert tone="error" title={status === "expired" ? "Link expired" : "Link not valid"}>
              <p>{status === "expired" ? copy.expired : copy.invalid}</p>
            </Alert>
            <Link className="btn btn-primary btn-block" to="/forgot-password">
              {copy.again}
            </Link>
          </div>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={form.handleSubmit(async (v) => {
              const res = await reset.run(v);
              if (res.ok) navigate(copy.done, { replace: true });
              else if (res.error.code === ErrorCode.PASSWORD_TOO_COMMON) form.fail("password", res.error.message);
            })}
          >
            <ErrorAlert error={reset.error?.code === ErrorCode.PASSWORD_TOO_COMMON ? null : reset.error} />
            <TextField
              label="New password"
              type="password"
              autoComplete="new-password"
              hint={`${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters.`}
              {...form.field("password")}
            />
            <TextField
              label="Confirm new password"
              type="password"
              autoComplete="new-password"
              {...form.field("confirm")}
            />
            <Button type="submit" block loading={reset.pending}>
              {copy.submit}
            </Button>
          </form>
        )}
      </div>
      <div className="auth-footer">
        <p>
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </div>
    </>
  );
}
