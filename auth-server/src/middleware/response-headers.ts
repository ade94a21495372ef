import type { Context } from "hono";

/**
 * Writes headers onto the response a handler already produced, without copying it.
 *
 * Hono's `c.header()` after `next()` rebuilds the response (`new Response(res.body, res)`), and on
 * @hono/node-server reading `res.body` turns a plain string body into a ReadableStream that is then
 * read back out to write the socket: on `GET /api/auth/get-session` that copy cost about a fifth
 * of the request's CPU (bench/PROFILE.md). `c.res.headers` of a response built by the handler is
 * mutable, so the headers are set in place. A response whose headers are immutable (from `fetch`,
 * `Response.redirect` or `Response.error`; WHATWG Fetch "immutable" guard) throws a TypeError on
 * the first write, before any header changed; it is copied once and written then.
 *
 * @param set writes the headers; called once, or twice when the first call met immutable headers.
 */
export function setResponseHeaders(c: Context, set: (headers: Headers) => void): void {
  try {
    set(c.res.headers);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    c.res = new Response(c.res.body, c.res);
    set(c.res.headers);
  }
}
