import { UAParser } from "ua-parser-js";

/** What a person needs to recognise a device in a session list. */
export interface DeviceSummary {
  browser: string | null;
  os: string | null;
  /** desktop | mobile | tablet | bot | other */
  type: string;
}

/** Summarises a User-Agent header with ua-parser-js (MIT 1.x line; 2.x is AGPL). */
export function describeDevice(userAgent: string | null | undefined): DeviceSummary {
  if (!userAgent) return { browser: null, os: null, type: "other" };
  const ua = new UAParser(userAgent).getResult();
  const browser = ua.browser.name ? `${ua.browser.name}${ua.browser.major ? ` ${ua.browser.major}` : ""}` : null;
  const os = ua.os.name ? `${ua.os.name}${ua.os.version ? ` ${ua.os.version}` : ""}` : null;
  const isBot = /bot|crawler|spider|curl|wget|python-requests|httpx|node-fetch|undici/i.test(userAgent);
  const type = isBot
    ? "bot"
    : ua.device.type === "mobile" || ua.device.type === "tablet"
      ? ua.device.type
      : browser
        ? "desktop"
        : "other";
  return { browser, os, type };
}

/**
 * First and last characters of a session token: enough to match it with what a client holds,
 * far too little to use it (the full token is 32 random characters).
 */
export function tokenExcerpt(token: string): string {
  return token.length <= 8 ? "…" : `${token.slice(0, 4)}…${token.slice(-2)}`;
}
