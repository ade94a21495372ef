import { type ReactElement, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { SelectField, TextAreaField } from "../../components/Field";
import { formatDateTime } from "../../lib/format";
import { useAction } from "../../lib/use-action";
import { check, LIMITS, maxLength } from "../../lib/validation";
import { type AdminUser, BAN_DURATIONS, banUser, isBanActive, unbanUser } from "./admin-api";

export function BanCard({
  user,
  isSelf,
  onChanged,
}: {
  user: AdminUser;
  isSelf: boolean;
  onChanged: () => void;
}): ReactElement {
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [duration, setDuration] = useState("1");
  const [confirm, setConfirm] = useState<"ban" | "unban" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const seconds = BAN_DURATIONS[Number(duration)]?.seconds ?? null;
  const ban = useAction(async () => {
    await banUser(user.id, reason.trim(), seconds);
    setConfirm(null);
    setReason("");
    setNotice(
      `${user.email} is banned ${seconds ? `for ${BAN_DURATIONS[Number(duration)]?.label}` : "permanently"}; their sessions have ended.`,
    );
    onChanged();
  });
  const unban = useAction(async () => {
    await unbanUser(user.id);
    setConfirm(null);
    setNotice(`${user.email} is no longer banned and can sign in again.`);
    onChanged();
  });

  const active = isBanActive(user);
  return (
    <section className="card" aria-labelledby="ban-h">
      <div className="card-header">
        <h2 id="ban-h">Ban</h2>
        <p className="muted">A ban signs the user out everywhere and blocks sign-in until it ends.</p>
      </div>
      {notice && (
        <div style={{ marginBottom: "1rem" }}>
          <Alert tone="success">{notice}</Alert>
        </div>
      )}
      {active ? (
        <div className="stack">
          <dl className="kv">
            <dt>Status</dt>
            <dd>
              <span className="badge badge-danger">Banned</span>
            </dd>
            <dt>Reason</dt>
            <dd>{user.banReason || "—"}</dd>
            <dt>Until</dt>
            <dd>{user.banExpires ? formatDateTime(user.banExpires) : "Permanent"}</dd>
          </dl>
          <div>
            <Button
              variant="secondary"
              onClick={() => {
                setNotice(null);
                setConfirm("unban");
              }}
            >
              Unban user…
            </Button>
          </div>
        </div>
      ) : isSelf ? (
        <p className="muted">You cannot ban yourself.</p>
      ) : (
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const msg = check(reason, maxLength("Reason", LIMITS.banReasonMax));
            setReasonError(msg ?? undefined);
            if (!msg) {
              setNotice(null);
              setConfirm("ban");
            }
          }}
        >
          <TextAreaField
            label="Reason"
            rows={2}
            hint="Shown to other admins; keep it factual."
            value={reason}
            error={reasonError}
            onChange={(e) => setReason(e.target.value)}
          />
          <SelectField label="Duration" value={duration} onChange={(e) => setDuration(e.target.value)}>
            {BAN_DURATIONS.map((d, i) => (
              <option key={d.label} value={String(i)}>
                {d.label}
              </option>
            ))}
          </SelectField>
          <div>
            <Button type="submit" variant="danger">
              Ban user…
            </Button>
          </div>
        </form>
      )}
      <ConfirmDialog
        open={confirm === "unban"}
        title={`Unban ${user.email}?`}
        confirmLabel="Unban user"
        tone="primary"
        busy={unban.pending}
        onCancel={() => {
          setConfirm(null);
          unban.setError(null);
        }}
        onConfirm={() => void unban.run()}
      >
        <p>They can sign in again at once.</p>
        <ErrorAlert error={unban.error} />
      </ConfirmDialog>
      <ConfirmDialog
        open={confirm === "ban"}
        title={`Ban ${user.email}?`}
        confirmLabel="Ban user"
        busy={ban.pending}
        onCancel={() => {
          setConfirm(null);
          ban.setError(null);
        }}
        onConfirm={() => void ban.run()}
      >
        <p>
          {seconds ? `For ${BAN_DURATIONS[Number(duration)]?.label}.` : "Permanently."} All of their sessions end now.
        </p>
        <ErrorAlert error={ban.error} />
      </ConfirmDialog>
    </section>
  );
}
