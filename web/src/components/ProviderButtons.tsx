import { type ReactElement, useEffect, useState } from "react";
import { type AuthProvider, signInWithProvider, useProviders } from "../lib/oauth";
import { useAction } from "../lib/use-action";
import { ErrorAlert } from "./Alert";
import { Button } from "./Button";
import { Icon } from "./Icon";

/**
 * "Continue with <provider>" for every provider the auth server has enabled; nothing at all when
 * there are none (or the list could not be loaded: the password form still works).
 */
export function ProviderButtons({ next }: { next: string }): ReactElement | null {
  const { providers } = useProviders();
  const [chosen, setChosen] = useState<string | null>(null);
  const start = useAction(async (p: AuthProvider) => {
    setChosen(p.id);
    await signInWithProvider(p.id, next);
  });
  // Coming back with the browser's Back button restores this page as it was left: spinning.
  useEffect(() => {
    const reset = (e: PageTransitionEvent): void => {
      if (e.persisted) setChosen(null);
    };
    window.addEventListener("pageshow", reset);
    return () => window.removeEventListener("pageshow", reset);
  }, []);
  if (!providers || providers.length === 0) return null;
  // While the browser leaves for the provider the button keeps spinning; on failure it stops.
  const busy = (id: string): boolean => chosen === id && (start.pending || !start.error);
  return (
    <section className="providers" aria-label="Other ways to sign in">
      <p className="divider">
        <span>or</span>
      </p>
      <ErrorAlert error={start.error} />
      {providers.map((p) => (
        <Button
          key={p.id}
          variant="secondary"
          block
          loading={busy(p.id)}
          disabled={chosen !== null && busy(chosen)}
          onClick={() => void start.run(p)}
        >
          {!busy(p.id) && <Icon name={p.type === "social" ? "globe" : "key"} />}
          Continue with {p.name}
        </Button>
      ))}
    </section>
  );
}
