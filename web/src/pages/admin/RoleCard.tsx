import { type ReactElement, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { SelectField } from "../../components/Field";
import { useAction } from "../../lib/use-action";
import { type AdminUser, setRole } from "./admin-api";

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
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    await setRole(user.id, role);
    setSaved(true);
    onChanged();
  });
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
          setSaved(false);
          void save.run();
        }}
      >
        {saved && <Alert tone="success">Role saved.</Alert>}
        <ErrorAlert error={save.error} />
        <SelectField
          label="Role"
          value={role}
          disabled={isSelf}
          hint={isSelf ? "You cannot change your own role." : undefined}
          onChange={(e) => setRoleDraft(e.target.value === "admin" ? "admin" : "user")}
        >
          <option value="user">user</option>
          <option value="admin">admin</option>
        </SelectField>
        <div>
          <Button type="submit" loading={save.pending} disabled={isSelf || role === current}>
            Save role
          </Button>
        </div>
      </form>
    </section>
  );
}
