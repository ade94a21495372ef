import QRCode from "qrcode";
import { type ReactElement, useEffect, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { authClient } from "../../lib/auth-client";
import { tokens } from "../../lib/backend";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";

/** A new TOTP secret waiting for its first code (better-auth two-factor `enable`). */
interface Pending {
  uri: string;
  secret: string;
  qr: string;
  backupCodes: string[];
}

/** Offers `codes` as a text file, one per line (the browser's download, nothing leaves the page). */
function downloadCodes(codes: string[]): void {
  const text = `Gatehouse backup codes — each works once.\n\n${codes.join("\n")}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = "gatehouse-backup-codes.txt";
  a.click();
  URL.revokeObjectURL(url);
}

/** Backup codes, shown once: copy or download them now. */
function BackupCodes({ codes, onDone }: { codes: string[]; onDone: () => void }): ReactElement {
  return (
    <Alert tone="warning" title="Save your backup codes">
      <p>Each code signs you in once if you lose your authenticator. They are shown only now.</p>
      <ul className="backup-codes" aria-label="Backup codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div className="row">
        <Button variant="secondary" size="sm" onClick={() => downloadCodes(codes)}>
          Download codes
        </Button>
        <Button size="sm" onClick={onDone}>
          I saved them
        </Button>
      </div>
    </Alert>
  );
}

/**
 * Authenticator app (TOTP, RFC 6238): turn on with the password, scan the QR code or type the key,
 * confirm with a first code; then regenerate backup codes or turn off (password again).
 */
export function TotpSection({ enabled }: { enabled: boolean }): ReactElement {
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [pending, setPending] = useState<Pending | null>(null);
  const [shownCodes, setShownCodes] = useState<string[] | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const session = authClient.useSession();

  const start = useAction(async () => {
    const data = unwrap(await authClient.twoFactor.enable({ password })) as { totpURI: string; backupCodes: string[] };
    const secret = new URL(data.totpURI).searchParams.get("secret") ?? "";
    setPending({ uri: data.totpURI, secret, qr: await QRCode.toDataURL(data.totpURI), backupCodes: data.backupCodes });
    setPassword("");
  });
  const confirm = useAction(async () => {
    unwrap(await authClient.twoFactor.verifyTotp({ code: code.trim() }));
    // Enrolment re-issues the session (now multi-factor): the old JWT must not be reused.
    tokens.invalidate();
    await session.refetch();
    setShownCodes(pending?.backupCodes ?? null);
    setPending(null);
    setCode("");
  });
  const regenerate = useAction(async () => {
    const data = unwrap(await authClient.twoFactor.generateBackupCodes({ password })) as { backupCodes: string[] };
    setShownCodes(data.backupCodes);
    setPassword("");
  });
  const disable = useAction(async () => {
    unwrap(await authClient.twoFactor.disable({ password }));
    tokens.invalidate();
    await session.refetch();
    setPassword("");
    setDone("Two-step verification is off.");
  });

  useEffect(() => {
    if (enabled) setDone(null);
  }, [enabled]);

  return (
    <section className="card" aria-labelledby="totp-h">
      <div className="card-header">
        <h2 id="totp-h">Authenticator app</h2>
        <p className="muted">
          {enabled
            ? "On: signing in asks for a code from your authenticator app after your password."
            : "Add a second step to signing in: a code from an app such as Google Authenticator or 1Password."}
        </p>
      </div>
      <div className="stack">
        {done && <Alert tone="success">{done}</Alert>}
        {shownCodes && <BackupCodes codes={shownCodes} onDone={() => setShownCodes(null)} />}
        <ErrorAlert error={start.error ?? confirm.error ?? regenerate.error ?? disable.error} />
        {pending ? (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void confirm.run();
            }}
          >
            <p>Scan this QR code with your authenticator app, then enter the 6-digit code it shows.</p>
            <img src={pending.qr} alt="QR code for your authenticator app" width={192} height={192} />
            <p className="small">
              Can't scan? Enter this key: <code data-testid="totp-secret">{pending.secret}</code>
            </p>
            <TextField
              label="Code from the app"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <div className="row">
              <Button type="submit" loading={confirm.pending}>
                Turn on
              </Button>
              <Button variant="secondary" onClick={() => setPending(null)}>
                Cancel
              </Button>
            </div>
          </form>
        ) : (
          <form
            className="stack"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void (enabled ? disable.run() : start.run());
            }}
          >
            <TextField
              label="Your password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <div className="row">
              {enabled ? (
                <>
                  <Button
                    variant="secondary"
                    loading={regenerate.pending}
                    onClick={() => void regenerate.run()}
                    disabled={!password}
                  >
                    New backup codes
                  </Button>
                  <Button type="submit" variant="danger" loading={disable.pending} disabled={!password}>
                    Turn off
                  </Button>
                </>
              ) : (
                <Button type="submit" loading={start.pending} disabled={!password}>
                  Set up authenticator app
                </Button>
              )}
            </div>
          </form>
        )}
      </div>
    </section>
  );
}
