/**
 * What two answers must share to be indistinguishable: status, header names (cookie names for
 * Set-Cookie), and the body with per-account values (user id, email, times) reduced to their type.
 */
export async function shapeOf(res: Response): Promise<unknown> {
  const text = await res.text();
  let body: unknown = text;
  try {
    const json = JSON.parse(text) as Record<string, unknown> & { user?: Record<string, unknown> };
    const user = json.user
      ? Object.fromEntries(
          Object.entries(json.user).map(([k, v]) => [
            k,
            ["id", "email", "createdAt", "updatedAt"].includes(k) ? typeof v : v,
          ]),
        )
      : undefined;
    body = user ? { ...json, user } : json;
  } catch {}
  return {
    status: res.status,
    headers: [...res.headers.keys()].filter((h) => h !== "set-cookie" && h !== "x-request-id").sort(),
    cookies: res.headers
      .getSetCookie()
      .map((c) => c.split("=")[0])
      .sort(),
    body,
  };
}
