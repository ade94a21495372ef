import type { ChildProcess } from "node:child_process";

/** Waits for `check` to hold, at most `withinMs`; returns how long it took, or throws. */
export async function eventually(check: () => Promise<boolean>, withinMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits until the server `proc` started answers `GET {url}/health` with 2xx, at most `withinMs`.
 * Throws with the server's output when it exits first or does not answer in time (then it is killed).
 */
export async function untilHealthy(
  proc: ChildProcess,
  url: string,
  withinMs: number,
  what: string,
  output: () => string,
): Promise<void> {
  try {
    await eventually(
      async () => {
        if (proc.exitCode !== null) throw new Error(`${what} exited early`);
        try {
          return (await fetch(`${url}/health`)).ok;
        } catch {
          return false; // not listening yet
        }
      },
      withinMs,
      `${what} did not start`,
    );
  } catch (err) {
    if (proc.exitCode === null) proc.kill("SIGKILL");
    throw new Error(`${(err as Error).message}:\n${output()}`);
  }
}

/** Stops `proc`: SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it has exited. */
export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
