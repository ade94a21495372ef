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

/**
 * Why the person is about to be signed out ("signed-out", "session-ended"). The session store
 * empties a moment before or after our own navigation; whichever redirect to /sign-in runs
 * (ours or the route guard's) reads this, so the page says why either way.
 */
let exitReason: string | null = null;

export function markExit(reason: string): void {
  exitReason = reason;
}

export function exitReasonNow(): string | null {
  return exitReason;
}

export function clearExit(): void {
  exitReason = null;
}
