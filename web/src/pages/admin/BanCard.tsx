import { type ReactElement, useState } from "react";
import { ErrorAlert } from "../../components/Alert";
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
  const [confirm, setConfirm] = useState(false);
  const seconds = BAN_DURATIONS[Number(duration)]?.seconds ?? null;
  const ban = useAction(async () => {
    await banUser(user.id, reason.trim(), seconds);
    setConfirm(false);
    setReason("");
    onChanged();
  });
  const unban = useAction(async () => {
    await unbanUser(user.id);
    onChanged();
  });

  const active = isBanActive(user);
  return (
    <section className="card" aria-labelledby="ban-h">
      <div className="card-header">
        <h2 id="ban-h">Ban</h2>
        <p className="muted">A ban signs the user out everywhere and blocks sign-in until it ends.</p>
      </div>
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
          <ErrorAlert error={unban.error} />
          <div>
            <Button variant="secondary" loading={unban.pending} onClick={() => void unban.run()}>
              Unban user
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
            if (!msg) setConfirm(true);
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
        open={confirm}
        title={`Ban ${user.email}?`}
        confirmLabel="Ban user"
        busy={ban.pending}
        onCancel={() => {
          setConfirm(false);
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
