import { UAParser } from "ua-parser-js";

export interface DeviceSummary {
  browser: string | null;
  os: string | null;
  /** desktop | mobile | tablet | bot | other — the auth server's /sessions uses the same words. */
  type: string;
}

/**
 * Summarises a User-Agent the way the auth server's GET /api/auth/sessions does (same library,
 * ua-parser-js 1.x), for lists that only carry the raw header (the admin plugin's session list).
 */
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

/** "Firefox 128 on Linux", or what is known. */
export function deviceLabel(device: DeviceSummary, userAgent: string | null | undefined): string {
  if (device.browser && device.os) return `${device.browser} on ${device.os}`;
  return device.browser ?? device.os ?? (userAgent ? "Unknown browser" : "Unknown device");
}
