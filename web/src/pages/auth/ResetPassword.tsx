import type { ReactElement } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { authClient } from "../../lib/auth-client";
import { toAppError, unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { LIMITS, matches, password, required } from "../../lib/validation";

type Values = { password: string; confirm: string };
const rules = (v: Values) => ({
  password: [password],
  confirm: [required("Password confirmation"), matches(() => v.password)],
});

export function ResetPasswordPage(): ReactElement {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get("token");
  const linkError = params.get("error");
  const form = useForm<keyof Values>({ password: "", confirm: "" }, rules);
  const reset = useAction(async (v: Values) =>
    unwrap(await authClient.resetPassword({ newPassword: v.password, token: token ?? "" })),
  );

  const linkProblem = !token || linkError ? toAppError({ code: linkError || "INVALID_TOKEN" }) : null;
  const tokenProblem =
    reset.error && (reset.error.code === "TOKEN_EXPIRED" || reset.error.code === "INVALID_TOKEN") ? reset.error : null;
  const problem = linkProblem ?? tokenProblem;

  return (
    <>
      <div className="card auth-card">
        <div className="card-header">
          <h1>Choose a new password</h1>
          <p className="muted">Setting a new password signs you out on every device.</p>
        </div>
        {problem ? (
          <div className="stack">
            <Alert tone="error" title={problem.code === "TOKEN_EXPIRED" ? "Link expired" : "Link not valid"}>
              <p>{problem.message}</p>
            </Alert>
            <Link className="btn btn-primary btn-block" to="/forgot-password">
              Request a new link
            </Link>
          </div>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={form.handleSubmit(async (v) => {
              const res = await reset.run(v);
              if (res.ok) navigate("/sign-in?reason=password-reset", { replace: true });
            })}
          >
            <ErrorAlert error={reset.error} />
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
              Set new password
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
