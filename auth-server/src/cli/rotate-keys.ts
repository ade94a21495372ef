import { createJwk } from "better-auth/plugins/jwt";
import { AUTH_SCHEMA } from "../db/schema-names.js";
import type { Gatehouse } from "../gatehouse.js";

/**
 * Starts signing with a fresh Ed25519 key. Current keys stop signing now but stay published at
 * /api/auth/jwks for better-auth's grace period (30 days), so tokens they signed keep verifying
 * until they expire; backends learn the new kid through their unknown-kid refetch.
 */
export async function rotateKeys(gh: Gatehouse): Promise<{ newKid: string; retired: string[] }> {
  const ctx = await gh.auth.$context;
  const { db, kind } = gh.database;
  const now = new Date();
  const live = await db
    .selectFrom(AUTH_SCHEMA.jwt.jwks.modelName)
    .select("id")
    .where((eb) =>
      eb.or([eb("expires_at", "is", null), eb("expires_at", ">", kind === "sqlite" ? now.toISOString() : now)]),
    )
    .execute();
  // Create first, retire second: there is never a moment without a signing key.
  const key = await createJwk({ context: ctx } as Parameters<typeof createJwk>[0], {
    jwks: { keyPairConfig: { alg: "EdDSA", crv: "Ed25519" } },
  });
  const retired = live.map((r) => r.id as string);
  if (retired.length > 0) {
    await db
      .updateTable(AUTH_SCHEMA.jwt.jwks.modelName)
      .set({ expires_at: kind === "sqlite" ? now.toISOString() : now })
      .where("id", "in", retired)
      .execute();
  }
  return { newKid: key.id, retired };
}
