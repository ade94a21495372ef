import type { IconName } from "../../components/Icon";
import { authClient } from "../../lib/auth-client";
import { deviceLabel as labelFor } from "../../lib/device";
import { RequestError } from "../../lib/errors";

/** One row of GET /api/auth/sessions (the auth server's device view; never the token). */
export interface DeviceSession {
  id: string;
  tokenExcerpt: string;
  createdAt: string;
  /** Last use seen by the auth server (recorded at most once a minute); createdAt until then. */
  lastActiveAt: string;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  device: { browser: string | null; os: string | null; type: string };
  isCurrent: boolean;
  impersonatedBy: string | null;
}

export async function listMySessions(): Promise<DeviceSession[]> {
  const { data, error } = await authClient.$fetch<DeviceSession[]>("/sessions", { method: "GET" });
  if (error) throw RequestError.from(error, error.status);
  return data ?? [];
}

/** Revoke one of my other sessions (the current one is refused: sign out instead). */
export async function revokeMySession(id: string): Promise<void> {
  const { error } = await authClient.$fetch(`/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
  if (error) throw RequestError.from(error, error.status);
}

export async function revokeMyOtherSessions(): Promise<void> {
  const { error } = await authClient.revokeOtherSessions();
  if (error) throw RequestError.from(error, error.status);
}

export function deviceIcon(type: string): IconName {
  return type === "desktop" || type === "mobile" || type === "tablet" || type === "bot" ? type : "globe";
}

export function deviceLabel(s: Pick<DeviceSession, "device" | "userAgent">): string {
  return labelFor(s.device, s.userAgent);
}
