import { type ReactElement, useState } from "react";
import { useNavigate } from "react-router";
import { ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { TextField } from "../../components/Field";
import { authClient } from "../../lib/auth-client";
import { tokens } from "../../lib/backend";
import { RequestError } from "../../lib/errors";
import { clearExit, markExit } from "../../lib/session-events";
import { useAction } from "../../lib/use-action";
import { check, LIMITS, maxLength, required } from "../../lib/validation";

export function DeleteAccountSection(): ReactElement {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [pw, setPw] = useState("");
  const [pwError, setPwError] = useState<string | undefined>();
  const del = useAction(async (password: string) => {
    // The session store empties as soon as the deletion lands, and the route guard may redirect
    // before we do: tell it why, so the sign-in page says "deleted", not "session ended".
    markExit("account-deleted");
    const { error } = await authClient.deleteUser({ password });
    if (error) {
      clearExit();
      // better-auth answers 404 when account deletion is switched off on the server.
      if (error.status === 404)
        throw new RequestError("DELETE_DISABLED", "Deleting accounts is turned off on this server.", 404);
      throw RequestError.from(error, error.status);
    }
    tokens.invalidate();
    navigate("/sign-in?reason=account-deleted", { replace: true });
  });

  const confirm = (): void => {
    const msg = check(pw, required("Password"), maxLength("Password", LIMITS.passwordMax));
    setPwError(msg ?? undefined);
    if (!msg) void del.run(pw);
  };

  return (
    <section className="card" aria-labelledby="delete-h">
      <div className="card-header">
        <h2 id="delete-h">Delete account</h2>
        <p className="muted">This removes your account, your tasks and every session. It cannot be undone.</p>
      </div>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete my account…
      </Button>
      <ConfirmDialog
        open={open}
        title="Delete your account?"
        confirmLabel="Delete account"
        busy={del.pending}
        onCancel={() => {
          setOpen(false);
          setPw("");
          setPwError(undefined);
          del.setError(null);
        }}
        onConfirm={confirm}
      >
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            confirm();
          }}
        >
          <p>Everything will be deleted right away. Enter your password to confirm.</p>
          <ErrorAlert error={del.error} />
          <TextField
            label="Password"
            type="password"
            autoComplete="current-password"
            value={pw}
            error={pwError}
            onChange={(e) => setPw(e.target.value)}
          />
        </form>
      </ConfirmDialog>
    </section>
  );
}
