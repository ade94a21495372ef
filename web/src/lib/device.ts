import type { DeviceSummary } from "./device.gen";

// The rule itself is shared with the auth server (contract/typescript/device.ts).
export { type DeviceSummary, describeDevice } from "./device.gen";

/** "Firefox 128 on Linux", or what is known. */
export function deviceLabel(device: DeviceSummary, userAgent: string | null | undefined): string {
  if (device.browser && device.os) return `${device.browser} on ${device.os}`;
  return device.browser ?? device.os ?? (userAgent ? "Unknown browser" : "Unknown device");
}
