import { type ReactElement, useCallback, useEffect, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { Icon } from "../../components/Icon";
import { PageLoader } from "../../components/Spinner";
import { type AppError, toAppError } from "../../lib/errors";
import { formatDateTime, formatRelative } from "../../lib/format";
import { useAction } from "../../lib/use-action";
import { plural } from "../../lib/wording.gen";
import {
  type DeviceSession,
  deviceIcon,
  deviceLabel,
  listMySessions,
  revokeMyOtherSessions,
  revokeMySession,
} from "./sessions-api";

function DeviceRow({
  s,
  onRevoke,
  busy,
}: {
  s: DeviceSession;
  onRevoke: (s: DeviceSession) => void;
  busy: boolean;
}): ReactElement {
  const label = deviceLabel(s);
  return (
    <li className="card device" data-testid="session-row">
      <span className="device-icon">
        <Icon name={deviceIcon(s.device.type)} size={22} />
      </span>
      <div className="device-main">
        <div className="row">
          <strong>{label}</strong>
          {s.isCurrent && <span className="badge badge-success">This device</span>}
          {s.impersonatedBy && <span className="badge badge-warning">Admin impersonation</span>}
        </div>
        <dl className="device-meta">
          <div>
            <dt>IP address:</dt> <dd>{s.ipAddress || "unknown"}</dd>
          </div>
          <div>
            <dt>Last active:</dt>{" "}
            <dd title={formatDateTime(s.lastActiveAt)}>{s.isCurrent ? "now" : formatRelative(s.lastActiveAt)}</dd>
          </div>
          <div>
            <dt>Signed in:</dt> <dd title={formatDateTime(s.createdAt)}>{formatRelative(s.createdAt)}</dd>
          </div>
          <div>
            <dt>Expires:</dt> <dd>{formatDateTime(s.expiresAt)}</dd>
          </div>
          <div>
            <dt>Session:</dt> <dd className="mono">{s.tokenExcerpt}</dd>
          </div>
        </dl>
      </div>
      {!s.isCurrent && (
        <Button
          variant="secondary"
          size="sm"
          loading={busy}
          onClick={() => onRevoke(s)}
          aria-label={`Revoke ${label} session`}
        >
          Revoke
        </Button>
      )}
    </li>
  );
}

export function SessionsPage(): ReactElement {
  const [sessions, setSessions] = useState<DeviceSession[] | null>(null);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmOthers, setConfirmOthers] = useState(false);
  const [revoking, setRevoking] = useState<string | null>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      // This device first, then newest first (the server's order).
      setSessions((await listMySessions()).sort((a, b) => Number(b.isCurrent) - Number(a.isCurrent)));
    } catch (err) {
      setLoadError(toAppError(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const revokeOne = useAction(async (s: DeviceSession) => {
    setRevoking(s.id);
    try {
      await revokeMySession(s.id);
    } finally {
      setRevoking(null);
    }
    setNotice(`Signed out ${deviceLabel(s)}.`);
    await load();
  });
  const revokeOthers = useAction(async () => {
    await revokeMyOtherSessions();
    setConfirmOthers(false);
    setNotice("Signed out every other device.");
    await load();
  });

  const others = sessions?.filter((s) => !s.isCurrent).length ?? 0;
  return (
    <div className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Sessions</h1>
          <p className="muted">The devices signed in to your account. Revoke any you don't recognise.</p>
        </div>
        <Button variant="danger" size="sm" disabled={others === 0} onClick={() => setConfirmOthers(true)}>
          Sign out all other devices
        </Button>
      </div>
      <div className="stack">
        {notice && <Alert tone="success">{notice}</Alert>}
        <ErrorAlert error={revokeOne.error ?? revokeOthers.error} />
        {loadError ? (
          <ErrorAlert error={loadError}>
            <Button variant="secondary" size="sm" onClick={() => void load()}>
              Try again
            </Button>
          </ErrorAlert>
        ) : sessions === null ? (
          <PageLoader label="Loading sessions…" />
        ) : (
          <ul className="device-list" aria-label="Signed-in devices">
            {sessions.map((s) => (
              <DeviceRow key={s.id} s={s} busy={revoking === s.id} onRevoke={(x) => void revokeOne.run(x)} />
            ))}
          </ul>
        )}
      </div>
      <ConfirmDialog
        open={confirmOthers}
        title="Sign out all other devices?"
        confirmLabel="Sign them out"
        busy={revokeOthers.pending}
        onCancel={() => setConfirmOthers(false)}
        onConfirm={() => void revokeOthers.run()}
      >
        <p>{plural(others, "other device")} will need to sign in again. This device stays signed in.</p>
      </ConfirmDialog>
    </div>
  );
}
