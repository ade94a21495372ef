/**
 * "The session is gone" as an event: the backend client notices (401 after a fresh token), the
 * app shell reacts (refetch the session, send the person to sign in). Keeps the fetch layer free
 * of router and React imports.
 */
type Listener = () => void;
const listeners = new Set<Listener>();

export function onSessionLost(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function emitSessionLost(): void {
  for (const l of [...listeners]) l();
}
