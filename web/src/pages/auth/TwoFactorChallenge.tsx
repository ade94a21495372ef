import { type ReactElement, useState } from "react";
import { ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { Checkbox, TextField } from "../../components/Field";
import { authClient } from "../../lib/auth-client";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";

/**
 * The second step of signing in (better-auth two-factor challenge, a cookie from the password
 * step): a code from the authenticator app, or one backup code; optionally trust this browser for
 * 30 days. `onDone` runs once the session exists.
 */
export function TwoFactorChallenge({
  onDone,
  onCancel,
}: {
  onDone: () => Promise<void>;
  onCancel: () => void;
}): ReactElement {
  const [useBackup, setUseBackup] = useState(false);
  const [code, setCode] = useState("");
  const [trust, setTrust] = useState(false);
  const verify = useAction(async () => {
    const value = code.trim();
    if (useBackup) unwrap(await authClient.twoFactor.verifyBackupCode({ code: value, trustDevice: trust }));
    else unwrap(await authClient.twoFactor.verifyTotp({ code: value, trustDevice: trust }));
    await onDone();
  });
  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void verify.run();
      }}
    >
      <p>{useBackup ? "Enter one of your backup codes." : "Enter the 6-digit code from your authenticator app."}</p>
      <ErrorAlert error={verify.error} />
      <TextField
        key={useBackup ? "backup" : "totp"}
        label={useBackup ? "Backup code" : "Authentication code"}
        inputMode={useBackup ? "text" : "numeric"}
        autoComplete="one-time-code"
        autoFocus
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <Checkbox label="Trust this browser for 30 days" checked={trust} onChange={(e) => setTrust(e.target.checked)} />
      <Button type="submit" block loading={verify.pending} disabled={!code.trim()}>
        Verify
      </Button>
      <div className="row-between">
        <Button
          variant="ghost"
          size="sm"
          onClick={() => {
            setUseBackup(!useBackup);
            setCode("");
            verify.setError(null);
          }}
        >
          {useBackup ? "Use the authenticator app" : "Use a backup code"}
        </Button>
        <Button variant="ghost" size="sm" onClick={onCancel}>
          Start over
        </Button>
      </div>
    </form>
  );
}
