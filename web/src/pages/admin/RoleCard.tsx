import { type ReactElement, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { SelectField } from "../../components/Field";
import { useAction } from "../../lib/use-action";
import { type AdminUser, setRole } from "./admin-api";

/** The role, changed only after a confirmation that names the person and both roles. */
export function RoleCard({
  user,
  isSelf,
  onChanged,
}: {
  user: AdminUser;
  isSelf: boolean;
  onChanged: () => void;
}): ReactElement {
  const current = user.role === "admin" ? "admin" : "user";
  const [role, setRoleDraft] = useState<"user" | "admin">(current);
  const [confirming, setConfirming] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useAction(async () => {
    await setRole(user.id, role);
    setConfirming(false);
    setSaved(`Role changed from ${current} to ${role}.`);
    onChanged();
  });
  const granting = role === "admin";
  return (
    <section className="card" aria-labelledby="role-h">
      <div className="card-header">
        <h2 id="role-h">Role</h2>
        <p className="muted">Admins can manage every user.</p>
      </div>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(null);
          setConfirming(true);
        }}
      >
        {saved && <Alert tone="success">{saved}</Alert>}
        <SelectField
          label="Role"
          value={role}
          disabled={isSelf}
          hint={isSelf ? "You cannot change your own role." : undefined}
          onChange={(e) => {
            setSaved(null);
            setRoleDraft(e.target.value === "admin" ? "admin" : "user");
          }}
        >
          <option value="user">user</option>
          <option value="admin">admin</option>
        </SelectField>
        <div>
          <Button type="submit" disabled={isSelf || role === current}>
            Save role…
          </Button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming}
        title={granting ? `Make ${user.email} an admin?` : `Remove admin rights from ${user.email}?`}
        confirmLabel={granting ? "Make admin" : "Remove admin rights"}
        tone={granting ? "danger" : "primary"}
        busy={save.pending}
        onCancel={() => {
          setConfirming(false);
          save.setError(null);
        }}
        onConfirm={() => void save.run()}
      >
        <p>
          {granting
            ? "Admins can see and change every account, ban people and impersonate them."
            : "They keep their account but can no longer manage other users."}
        </p>
        <ErrorAlert error={save.error} />
      </ConfirmDialog>
    </section>
  );
}
