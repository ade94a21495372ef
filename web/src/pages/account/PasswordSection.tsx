import { type ReactElement, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { Checkbox, TextField } from "../../components/Field";
import { ErrorCode } from "../../contract.gen";
import { authClient } from "../../lib/auth-client";
import { tokens } from "../../lib/backend";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { LIMITS, matches, maxLength, password, required } from "../../lib/validation";

type Values = { current: string; next: string; confirm: string };

/** Answers about the new password (better-auth's length codes, Gatehouse's common-password check). */
const FIELD_CODES = new Set<string>([ErrorCode.PASSWORD_TOO_COMMON, "PASSWORD_TOO_SHORT", "PASSWORD_TOO_LONG"]);
const isFieldError = (code: string): boolean => code === "INVALID_PASSWORD" || FIELD_CODES.has(code);

const rules = (v: Values) => ({
  current: [required("Current password"), maxLength("Current password", LIMITS.passwordMax)],
  next: [password, (x: string) => (x && x === v.current ? "The new password must differ from the current one." : null)],
  confirm: [required("Password confirmation"), matches(() => v.next)],
});

export function PasswordSection(): ReactElement {
  const form = useForm<keyof Values>({ current: "", next: "", confirm: "" }, rules);
  const [signOutOthers, setSignOutOthers] = useState(true);
  const [done, setDone] = useState<string | null>(null);
  const change = useAction(async (v: Values) => {
    unwrap(
      await authClient.changePassword({
        currentPassword: v.current,
        newPassword: v.next,
        revokeOtherSessions: signOutOthers,
      }),
    );
    // Revoking others issues this device a new session: its old JWT must not be reused.
    tokens.invalidate();
    form.setValues({ current: "", next: "", confirm: "" });
    setDone(signOutOthers ? "Password changed. Every other device has been signed out." : "Password changed.");
  });
  return (
    <section className="card" aria-labelledby="password-h">
      <div className="card-header">
        <h2 id="password-h">Change password</h2>
        <p className="muted">Use at least {LIMITS.passwordMin} characters. A passphrase is easiest to remember.</p>
      </div>
      <form
        className="stack"
        noValidate
        onChange={() => setDone(null)}
        onSubmit={form.handleSubmit(async (v) => {
          setDone(null);
          const res = await change.run(v);
          if (res.ok) return;
          // A verdict about one field goes on that field, with focus; the rest stays at the top.
          if (res.error.code === "INVALID_PASSWORD") form.fail("current", res.error.message);
          else if (FIELD_CODES.has(res.error.code)) form.fail("next", res.error.message);
        })}
      >
        {done && <Alert tone="success">{done}</Alert>}
        <ErrorAlert error={change.error && !isFieldError(change.error.code) ? change.error : null} />
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          {...form.field("current")}
        />
        <TextField label="New password" type="password" autoComplete="new-password" {...form.field("next")} />
        <TextField
          label="Confirm new password"
          type="password"
          autoComplete="new-password"
          {...form.field("confirm")}
        />
        <Checkbox
          label="Sign out all other devices"
          checked={signOutOthers}
          onChange={(e) => setSignOutOthers(e.target.checked)}
        />
        <div>
          <Button type="submit" loading={change.pending}>
            Change password
          </Button>
        </div>
      </form>
    </section>
  );
}
