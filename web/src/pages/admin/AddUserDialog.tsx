import { type ReactElement, useEffect, useId, useRef, useState } from "react";
import { ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { Checkbox, SelectField, TextField } from "../../components/Field";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { email, LIMITS, maxLength, password, required } from "../../lib/validation";
import { type AdminUser, createUser } from "./admin-api";

type Values = { name: string; email: string; role: string; password: string };

/**
 * Adds an account: by default an invitation (the auth server mails a set-password link), or with
 * a password the admin passes on. Making the new account an admin needs one more, named "yes".
 */
export function AddUserDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (user: AdminUser, invited: boolean) => void;
}): ReactElement {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [invite, setInvite] = useState(true);
  const [confirmAdmin, setConfirmAdmin] = useState(false);
  const form = useForm<keyof Values>({ name: "", email: "", role: "user", password: "" }, () => ({
    name: [required("Name"), maxLength("Name", LIMITS.nameMax)],
    email: [email],
    role: [],
    password: invite ? [] : [password],
  }));
  const create = useAction(async (v: Values) => {
    const user = await createUser({
      name: v.name.trim(),
      email: v.email.trim(),
      role: v.role === "admin" ? "admin" : "user",
      ...(invite ? {} : { password: v.password }),
    });
    onCreated(user, invite);
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens or closes
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal?.();
    if (!open && d.open) d.close?.();
    if (!open) {
      form.setValues({ name: "", email: "", role: "user", password: "" });
      setConfirmAdmin(false);
      create.setError(null);
    }
  }, [open]);

  const asAdmin = form.values.role === "admin";
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (!create.pending) onClose();
      }}
    >
      <form
        className="dialog-body stack"
        noValidate
        onSubmit={form.handleSubmit(async (v) => {
          if (v.role === "admin" && !confirmAdmin) return setConfirmAdmin(true);
          await create.run(v);
        })}
      >
        <h2 id={titleId}>{confirmAdmin ? `Make ${form.values.email.trim()} an admin?` : "Add a user"}</h2>
        {confirmAdmin ? (
          <p>Admins can see and change every account, ban people and impersonate them.</p>
        ) : (
          <>
            <TextField label="Name" autoComplete="off" {...form.field("name")} />
            <TextField label="Email" type="email" autoComplete="off" {...form.field("email")} />
            <SelectField label="Role" {...form.field("role")}>
              <option value="user">user</option>
              <option value="admin">admin</option>
            </SelectField>
            <Checkbox
              label="Email an invitation to choose a password (valid 7 days)"
              checked={invite}
              onChange={(e) => setInvite(e.target.checked)}
            />
            {!invite && (
              <TextField
                label="Password"
                type="password"
                autoComplete="new-password"
                hint="Pass it on through a channel you trust; they can change it later."
                {...form.field("password")}
              />
            )}
          </>
        )}
        <ErrorAlert error={create.error} />
        <div className="dialog-actions">
          <Button
            variant="secondary"
            disabled={create.pending}
            onClick={() => (confirmAdmin ? setConfirmAdmin(false) : onClose())}
          >
            {confirmAdmin ? "Back" : "Cancel"}
          </Button>
          <Button type="submit" variant={confirmAdmin ? "danger" : "primary"} loading={create.pending}>
            {confirmAdmin ? "Create admin" : invite ? "Send invitation" : asAdmin ? "Create admin…" : "Create user"}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
