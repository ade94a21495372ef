import { useCallback, useEffect, useRef, useState } from "react";
import { type AppError, toAppError } from "./errors";

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: AppError };

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<Outcome<R>>;
  pending: boolean;
  error: AppError | null;
  setError: (e: AppError | null) => void;
}

/**
 * Wraps one request for a page: `pending` while it runs, a readable `error` when it fails
 * (cleared on the next attempt). Never throws: the outcome says whether it worked.
 */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const mounted = useRef(true);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(async (...args: A): Promise<Outcome<R>> => {
    setPending(true);
    setError(null);
    try {
      return { ok: true, value: await fnRef.current(...args) };
    } catch (err) {
      const e = toAppError(err);
      if (mounted.current) setError(e);
      return { ok: false, error: e };
    } finally {
      if (mounted.current) setPending(false);
    }
  }, []);

  return { run, pending, error, setError };
}
