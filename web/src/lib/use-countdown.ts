import { useEffect, useState } from "react";

/**
 * Whole seconds left until `until` (epoch ms), re-rendering once a second while above zero;
 * 0 when `until` is null or past. One timer per second, cleared on unmount or a new `until`.
 */
export function useCountdown(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  const left = until ? Math.max(0, Math.ceil((until - now) / 1000)) : 0;
  useEffect(() => {
    if (!until) return;
    setNow(Date.now());
  }, [until]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `now` on purpose: a wake-up that came early re-arms the timer.
  useEffect(() => {
    if (!left || until === null) return;
    // Wake at the next whole second of the countdown, so the label never skips or lags a second.
    // A timer may fire a little early (the whole second not yet reached, `left` unchanged): the
    // effect runs again for the new `now` and waits the rest, instead of never waking again.
    const remaining = until - Date.now();
    const ms = remaining > 0 ? remaining % 1000 || 1000 : 0;
    const t = setTimeout(() => setNow(Date.now()), ms);
    return () => clearTimeout(t);
  }, [left, until, now]);
  return left;
}

/** "0:45", "12:03": a wait in minutes and seconds. */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
