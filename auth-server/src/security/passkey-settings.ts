/** Hosts where browsers allow WebAuthn over plain HTTP (a "potentially trustworthy" origin). */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Start-up check of the passkey relying party (WebAuthn Level 2 §5.1.3, §13.4.9): the origin must
 * be HTTPS (or a local host) and the RP ID its host or a registrable suffix of it; otherwise every
 * ceremony would fail in the browser, long after the server started happily.
 */
export function passkeySettingsProblems(env: { PASSKEY_ORIGIN: string; PASSKEY_RP_ID: string }): string[] {
  const problems: string[] = [];
  const origin = new URL(env.PASSKEY_ORIGIN);
  const host = origin.hostname.toLowerCase();
  const rpId = env.PASSKEY_RP_ID;
  if (origin.protocol !== "https:" && !LOCAL_HOSTS.has(host)) {
    problems.push(
      `PASSKEY_ORIGIN ${origin.origin} must use https (browsers allow WebAuthn over http only on localhost).`,
    );
  }
  // A loopback host is its own relying party, as 127.0.0.1 is below (development on one machine).
  if (LOCAL_HOSTS.has(rpId) && rpId === host) return problems;
  if (!rpId || /[/:\s]/.test(rpId) || rpId.startsWith(".")) {
    problems.push(`PASSKEY_RP_ID "${rpId}" must be a bare host name such as example.com.`);
  } else if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    problems.push(`PASSKEY_RP_ID "${rpId}" must be ${host} or a parent domain of it (the host of PASSKEY_ORIGIN).`);
  } else if (!rpId.includes(".") && rpId !== "localhost") {
    problems.push(`PASSKEY_RP_ID "${rpId}" is a top-level domain; use the site's registrable domain.`);
  }
  return problems;
}
