import { type ReactElement, useState } from "react";
import { useNavigate } from "react-router";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { Checkbox, TextField } from "../../components/Field";
import { useAction } from "../../lib/use-action";
import { check, LIMITS, password } from "../../lib/validation";
import {
  type AdminUser,
  markEmailVerified,
  removeUser,
  sendResetLink,
  sendVerificationLink,
  setUserPassword,
} from "./admin-api";

type Pending = "delete" | "password" | null;

/**
 * An account's lifecycle for admins: its address (mark verified, send the verification link
 * again), its password (send a reset link, set one), and deleting it. Every destructive step is
 * confirmed by name; every step says what happened.
 */
export function AccountCard({
  user,
  isSelf,
  onChanged,
}: {
  user: AdminUser;
  isSelf: boolean;
  onChanged: () => void;
}): ReactElement {
  const navigate = useNavigate();
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [newPassword, setNewPassword] = useState("");
  const [passwordError, setPasswordError] = useState<string | undefined>();
  const [signOut, setSignOut] = useState(true);

  const act = useAction(async (what: () => Promise<void>, done: string) => {
    setNotice(null);
    await what();
    setNotice(done);
  });
  const verify = (): void =>
    void act
      .run(() => markEmailVerified(user.id), `${user.email} is marked verified.`)
      .then((r) => r.ok && onChanged());
  const resend = (): void =>
    void act.run(() => sendVerificationLink(user.id), `A verification link is on its way to ${user.email}.`);
  const reset = (): void =>
    void act.run(() => sendResetLink(user.email), `A password reset link is on its way to ${user.email}.`);

  const setPassword = useAction(async () => {
    await setUserPassword(user.id, newPassword, signOut);
    setPending(null);
    setNewPassword("");
    setNotice(
      signOut
        ? `The password of ${user.email} is set and every session of theirs has ended.`
        : `The password of ${user.email} is set.`,
    );
    onChanged();
  });
  const remove = useAction(async () => {
    await removeUser(user.id);
    navigate("/admin", { state: { notice: `${user.email} was deleted.` } });
  });

  return (
    <section className="card" aria-labelledby="account-h">
      <div className="card-header">
        <h2 id="account-h">Account</h2>
        <p className="muted">Email address, password and the account itself.</p>
      </div>
      <div className="stack">
        {notice && <Alert tone="success">{notice}</Alert>}
        <ErrorAlert error={act.error} />
        <div className="row">
          {!user.emailVerified && (
            <>
              <Button variant="secondary" size="sm" loading={act.pending} onClick={verify}>
                Mark email verified
              </Button>
              <Button variant="secondary" size="sm" loading={act.pending} onClick={resend}>
                Resend verification link
              </Button>
            </>
          )}
          <Button variant="secondary" size="sm" loading={act.pending} onClick={reset}>
            Send password reset link
          </Button>
          <Button variant="secondary" size="sm" onClick={() => setPending("password")}>
            Set a password…
          </Button>
        </div>
        {!isSelf && (
          <div>
            <Button variant="danger" size="sm" onClick={() => setPending("delete")}>
              Delete user…
            </Button>
          </div>
        )}
      </div>
      <ConfirmDialog
        open={pending === "password"}
        title={`Set a password for ${user.email}?`}
        confirmLabel="Set password"
        tone="primary"
        busy={setPassword.pending}
        onCancel={() => {
          setPending(null);
          setPassword.setError(null);
        }}
        onConfirm={() => {
          const msg = check(newPassword, password);
          setPasswordError(msg ?? undefined);
          if (!msg) void setPassword.run();
        }}
      >
        <p>They will sign in with it from now on; tell them through a channel you trust.</p>
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint={`${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters.`}
          value={newPassword}
          error={passwordError}
          onChange={(e) => setNewPassword(e.target.value)}
        />
        <Checkbox
          label="Also sign them out everywhere"
          checked={signOut}
          onChange={(e) => setSignOut(e.target.checked)}
        />
        <ErrorAlert error={setPassword.error} />
      </ConfirmDialog>
      <ConfirmDialog
        open={pending === "delete"}
        title={`Delete ${user.email}?`}
        confirmLabel="Delete user"
        busy={remove.pending}
        onCancel={() => {
          setPending(null);
          remove.setError(null);
        }}
        onConfirm={() => void remove.run()}
      >
        <p>
          Their account, sessions and sign-in methods are deleted for good. Their audit trail stays. This cannot be
          undone.
        </p>
        <ErrorAlert error={remove.error} />
      </ConfirmDialog>
    </section>
  );
}
