import { type ReactElement, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Avatar } from "../../components/Avatar";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { authClient, type SessionUser } from "../../lib/auth-client";
import { unwrap } from "../../lib/errors";
import { useAction } from "../../lib/use-action";
import { useForm } from "../../lib/use-form";
import { LIMITS, maxLength, optionalUrl, required } from "../../lib/validation";

const rules = () => ({
  name: [required("Name"), maxLength("Name", LIMITS.nameMax)],
  image: [optionalUrl],
});

export function ProfileSection({ user }: { user: SessionUser }): ReactElement {
  const form = useForm({ name: user.name ?? "", image: user.image ?? "" }, rules);
  const [saved, setSaved] = useState(false);
  const save = useAction(async (v: { name: string; image: string }) => {
    unwrap(await authClient.updateUser({ name: v.name.trim(), image: v.image.trim() || null }));
    setSaved(true);
  });
  return (
    <section className="card" aria-labelledby="profile-h">
      <div className="card-header row" style={{ gap: "1rem" }}>
        <Avatar
          name={form.values.name || user.email}
          image={optionalUrl(form.values.image) ? null : form.values.image}
          large
        />
        <div style={{ minWidth: 0 }}>
          <h2 id="profile-h">Profile</h2>
          <p className="muted break">
            {user.email}{" "}
            {user.emailVerified ? (
              <span className="badge badge-success">Verified</span>
            ) : (
              <span className="badge badge-warning">Not verified</span>
            )}
            {user.role && user.role !== "user" && <span className="badge badge-primary"> {user.role}</span>}
          </p>
        </div>
      </div>
      <form
        className="stack"
        noValidate
        // "Profile saved." is about what was saved: the next edit makes it stale.
        onChange={() => setSaved(false)}
        onSubmit={form.handleSubmit(async (v) => {
          setSaved(false);
          await save.run(v);
        })}
      >
        {saved && <Alert tone="success">Profile saved.</Alert>}
        <ErrorAlert error={save.error} />
        <TextField label="Name" autoComplete="name" {...form.field("name")} />
        <TextField
          label="Profile picture URL"
          type="url"
          inputMode="url"
          placeholder="https://…"
          hint="Optional. A link to a square image."
          {...form.field("image")}
        />
        <div>
          <Button type="submit" loading={save.pending}>
            Save profile
          </Button>
        </div>
      </form>
    </section>
  );
}
