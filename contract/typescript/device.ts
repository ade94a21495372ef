/**
 * How Gatehouse describes the device behind a session, for both TypeScript sides: the auth server's
 * `GET /api/auth/sessions` (`device`) and the web app's lists that carry only the raw header (the admin
 * plugin's session list, audit rows). One rule, so the two never word one browser differently.
 */
import { UAParser } from "ua-parser-js";

/** What a person needs to recognise a device in a session list. */
export interface DeviceSummary {
  /** "Firefox 128": name and major version, or null when unknown. */
  browser: string | null;
  /** "Linux", "iOS 17.4": name and version, or null when unknown. */
  os: string | null;
  /** desktop | mobile | tablet | bot | other */
  type: string;
}

/**
 * Summarises a User-Agent header with ua-parser-js (the MIT 1.x line; 2.x is AGPL). Scripts and crawlers
 * (curl, wget, python-requests, httpx, node-fetch, undici, *bot*) are `bot`; a known browser without a
 * mobile or tablet device is `desktop`; no header at all is `other` with nothing known.
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
