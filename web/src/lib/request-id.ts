/**
 * Every request the app makes to its services carries `X-Request-ID`: both services keep an
 * incoming id, log it on every line and pass it on, so one click can be followed from the browser
 * through the auth server and the backend.
 */
export const REQUEST_ID_HEADER = "X-Request-ID";

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * A random (version 4) UUID. `crypto.randomUUID` exists only in secure contexts (https, localhost),
 * but an app served over plain http on a LAN address still deserves ids: fall back to
 * `getRandomValues`, which is available everywhere.
 */
export function newRequestId(
  c: Pick<Crypto, "getRandomValues"> & { randomUUID?: (() => string) | undefined } = crypto,
): string {
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40; // version 4
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Wraps a fetch so each call gets a fresh request id, unless the caller already set one. The global
 * fetch is looked up at call time (not captured), so tests and polyfills that replace it still apply.
 */
export function withRequestId(fetchImpl?: Fetch, makeId: () => string = () => newRequestId()): Fetch {
  return (input, init) => {
    const doFetch = fetchImpl ?? globalThis.fetch;
    if (input instanceof Request && init === undefined) {
      // openapi-fetch hands over a ready Request; copy it rather than change the caller's object.
      const request = new Request(input);
      if (!request.headers.has(REQUEST_ID_HEADER)) request.headers.set(REQUEST_ID_HEADER, makeId());
      return doFetch(request);
    }
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (!headers.has(REQUEST_ID_HEADER)) headers.set(REQUEST_ID_HEADER, makeId());
    return doFetch(input, { ...init, headers });
  };
}
