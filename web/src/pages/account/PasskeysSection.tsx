import { type ReactElement, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { authClient } from "../../lib/auth-client";
import { unwrap } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";
import { useAction } from "../../lib/use-action";

/**
 * Passkeys (WebAuthn, better-auth passkey plugin): add several (each named), rename, delete. A
 * passkey signs in on its own; the browser or device asks for a PIN or fingerprint.
 */
export function PasskeysSection(): ReactElement {
  const list = authClient.useListPasskeys();
  const [name, setName] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const add = useAction(async () => {
    const label = name.trim() || "Passkey";
    const res = await authClient.passkey.addPasskey({ name: label });
    unwrap(res as { data: unknown; error: unknown });
    setName("");
    setDone(`Passkey "${label}" added.`);
    await list.refetch();
  });
  const rename = useAction(async () => {
    if (!renaming) return;
    unwrap(await authClient.passkey.updatePasskey({ id: renaming.id, name: renaming.name.trim() || "Passkey" }));
    setRenaming(null);
    await list.refetch();
  });
  const remove = useAction(async (id: string) => {
    unwrap(await authClient.passkey.deletePasskey({ id }));
    setDone("Passkey removed.");
    await list.refetch();
  });
  const passkeys = list.data ?? [];
  return (
    <section className="card" aria-labelledby="passkeys-h">
      <div className="card-header">
        <h2 id="passkeys-h">Passkeys</h2>
        <p className="muted">Sign in with your fingerprint, face or device PIN instead of a password.</p>
      </div>
      <div className="stack">
        {done && <Alert tone="success">{done}</Alert>}
        <ErrorAlert error={add.error ?? rename.error ?? remove.error} />
        {passkeys.length > 0 && (
          <ul className="list" aria-label="Your passkeys">
            {passkeys.map((p) => (
              <li key={p.id} className="row-between">
                {renaming?.id === p.id ? (
                  <form
                    className="row"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void rename.run();
                    }}
                  >
                    <TextField
                      label="Passkey name"
                      value={renaming.name}
                      maxLength={100}
                      onChange={(e) => setRenaming({ id: p.id, name: e.target.value })}
                    />
                    <Button type="submit" size="sm" loading={rename.pending}>
                      Save
                    </Button>
                  </form>
                ) : (
                  <span>
                    <strong>{p.name || "Passkey"}</strong>{" "}
                    <span className="muted small">added {formatDateTime(p.createdAt)}</span>
                  </span>
                )}
                <span className="row">
                  <Button variant="ghost" size="sm" onClick={() => setRenaming({ id: p.id, name: p.name ?? "" })}>
                    Rename
                  </Button>
                  <Button variant="danger" size="sm" loading={remove.pending} onClick={() => void remove.run(p.id)}>
                    Delete
                  </Button>
                </span>
              </li>
            ))}
          </ul>
        )}
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setDone(null);
            void add.run();
          }}
        >
          <TextField
            label="Name for a new passkey"
            hint="e.g. Work laptop"
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
          />
          <div>
            <Button type="submit" loading={add.pending}>
              Add a passkey
            </Button>
          </div>
        </form>
      </div>
    </section>
  );
}
