import { type ReactElement, useCallback, useEffect, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { Icon } from "../../components/Icon";
import { PageLoader } from "../../components/Spinner";
import { describeDevice, deviceLabel } from "../../lib/device";
import { type AppError, toAppError } from "../../lib/errors";
import { formatDateTime, formatRelative } from "../../lib/format";
import { useAction } from "../../lib/use-action";
import { deviceIcon } from "../sessions/sessions-api";
import { type AdminSession, listUserSessions, revokeUserSession, revokeUserSessions } from "./admin-api";

/** A user's live sessions, each revocable; `version` bumps reload it after a ban or role change. */
export function UserSessionsCard({
  userId,
  email,
  version,
}: {
  userId: string;
  email: string;
  version: number;
}): ReactElement {
  const [sessions, setSessions] = useState<AdminSession[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const load = useCallback(async () => {
    setError(null);
    try {
      setSessions(await listUserSessions(userId));
    } catch (err) {
      setError(toAppError(err));
    }
  }, [userId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the reload trigger
  useEffect(() => {
    void load();
  }, [load, version]);

  const [confirm, setConfirm] = useState<AdminSession | "all" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const revokeOne = useAction(async (s: AdminSession) => {
    await revokeUserSession(s.token);
    setConfirm(null);
    setNotice(`That session of ${email} has ended.`);
    await load();
  });
  const revokeAll = useAction(async () => {
    await revokeUserSessions(userId);
    setConfirm(null);
    setNotice(`Every session of ${email} has ended.`);
    await load();
  });
  const ask = (what: AdminSession | "all"): void => {
    setNotice(null);
    setConfirm(what);
  };

  const live = sessions?.filter((s) => new Date(s.expiresAt).getTime() > Date.now()) ?? [];
  return (
    <section className="card" aria-labelledby="sessions-h">
      <div className="card-header row-between">
        <div>
          <h2 id="sessions-h">Sessions</h2>
          <p className="muted">{sessions ? `${live.length} active` : "Loading…"}</p>
        </div>
        <Button variant="danger" size="sm" disabled={live.length === 0} onClick={() => ask("all")}>
          Revoke all…
        </Button>
      </div>
      <div className="stack">
        {notice && <Alert tone="success">{notice}</Alert>}
        <ErrorAlert error={error} />
        {!sessions && !error ? (
          <PageLoader label="Loading sessions…" />
        ) : live.length === 0 ? (
          <p className="muted">No active sessions.</p>
        ) : (
          <ul className="device-list">
            {live.map((s) => (
              <li
                key={s.id}
                className="device"
                style={{ borderTop: "1px solid var(--c-border)", paddingTop: "0.75rem" }}
              >
                <span className="device-icon">
                  <Icon name={deviceIcon(describeDevice(s.userAgent).type)} size={22} />
                </span>
                <div className="device-main">
                  <div className="row">
                    <strong className="break" title={s.userAgent ?? undefined}>
                      {deviceLabel(describeDevice(s.userAgent), s.userAgent)}
                    </strong>
                    {s.impersonatedBy && <span className="badge badge-warning">Impersonation</span>}
                  </div>
                  <dl className="device-meta">
                    <div>
                      <dt>IP:</dt> <dd>{s.ipAddress || "unknown"}</dd>
                    </div>
                    <div>
                      <dt>Signed in:</dt> <dd title={formatDateTime(s.createdAt)}>{formatRelative(s.createdAt)}</dd>
                    </div>
                    <div>
                      <dt>Last active:</dt>{" "}
                      <dd title={formatDateTime(s.lastActiveAt ?? s.createdAt)}>
                        {formatRelative(s.lastActiveAt ?? s.createdAt)}
                      </dd>
                    </div>
                    <div>
                      <dt>Expires:</dt> <dd>{formatDateTime(s.expiresAt)}</dd>
                    </div>
                    <div>
                      <dt>Session:</dt> <dd className="mono">…{s.id.slice(-6)}</dd>
                    </div>
                  </dl>
                </div>
                <Button
                  variant="secondary"
                  size="sm"
                  onClick={() => ask(s)}
                  aria-label={`Revoke session …${s.id.slice(-6)}, last active ${formatRelative(s.lastActiveAt ?? s.createdAt)}`}
                >
                  Revoke…
                </Button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm === "all" ? `Sign ${email} out everywhere?` : `End this session of ${email}?`}
        confirmLabel={confirm === "all" ? "Revoke all sessions" : "Revoke session"}
        busy={revokeOne.pending || revokeAll.pending}
        onCancel={() => {
          setConfirm(null);
          revokeOne.setError(null);
          revokeAll.setError(null);
        }}
        onConfirm={() => void (confirm === "all" ? revokeAll.run() : confirm && revokeOne.run(confirm))}
      >
        <p>
          {confirm === "all"
            ? "Every device they are signed in on is signed out within a second."
            : confirm
              ? `${deviceLabel(describeDevice(confirm.userAgent), confirm.userAgent)}, signed in ${formatRelative(confirm.createdAt)}, last active ${formatRelative(confirm.lastActiveAt ?? confirm.createdAt)} (session …${confirm.id.slice(-6)}), is signed out within a second.`
              : null}
        </p>
        <ErrorAlert error={revokeOne.error ?? revokeAll.error} />
      </ConfirmDialog>
    </section>
  );
}
