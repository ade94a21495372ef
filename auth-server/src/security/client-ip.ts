import { BlockList, isIP } from "node:net";
import type { MiddlewareHandler } from "hono";

/** The request header better-auth reads the client IP from; always set by us, never by a client. */
export const CLIENT_IP_HEADER = "x-gatehouse-client-ip";

/** Parses TRUSTED_PROXIES entries (addresses or CIDR ranges) into a matcher. */
export function trustedProxyList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split("/") as [string, string | undefined];
    const family = isIP(addr) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

const normalise = (ip: string): string => (ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip);
const familyOf = (ip: string): "ipv4" | "ipv6" => (isIP(ip) === 6 ? "ipv6" : "ipv4");

/**
 * The client address: the TCP peer, unless the peer is a trusted proxy, in which case the
 * X-Forwarded-For chain is walked right to left past trusted hops. A client that talks to us
 * directly cannot choose its address by sending X-Forwarded-For, so per-IP limits hold.
 */
export function resolveClientIp(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trusted: BlockList,
): string {
  const direct = normalise(peer ?? "");
  if (!direct || !isIP(direct)) return "unknown";
  // Without X-Forwarded-For the answer is the peer either way: no trust check (BlockList.check
  // builds a SocketAddress per call).
  if (!forwardedFor || !trusted.check(direct, familyOf(direct))) return direct;
  const hops = forwardedFor
    .split(",")
    .map((h) => normalise(h.trim()))
    .filter((h) => isIP(h));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trusted.check(hop, familyOf(hop))) return hop;
  }
  return hops[0] ?? direct;
}

/** Hono middleware: replaces any incoming CLIENT_IP_HEADER with the resolved client address. */
export function clientIp(trusted: BlockList): MiddlewareHandler {
  return async function clientIpMiddleware(c, next) {
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    // app.request() in tests has no socket: it stands for a local caller.
    const peer = incoming?.socket?.remoteAddress ?? "127.0.0.1";
    const ip = resolveClientIp(peer, c.req.header("x-forwarded-for"), trusted);
    c.req.raw.headers.set(CLIENT_IP_HEADER, ip);
    await next();
  };
}
