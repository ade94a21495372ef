/**
 * better-auth's models mapped to the snake_case tables and columns of docs/ARCHITECTURE.md, so SQL
 * written by hand (the backend's, the triggers') reads naturally. Part of the data contract: the
 * backend's models mirror these names, and a contract test compares them.
 */
const timestamps = { createdAt: "created_at", updatedAt: "updated_at" } as const;

export const AUTH_SCHEMA = {
  core: {
    user: {
      modelName: "users",
      fields: { emailVerified: "email_verified", ...timestamps },
    },
    account: {
      modelName: "accounts",
      fields: {
        accountId: "account_id",
        providerId: "provider_id",
        userId: "user_id",
        accessToken: "access_token",
        refreshToken: "refresh_token",
        idToken: "id_token",
        accessTokenExpiresAt: "access_token_expires_at",
        refreshTokenExpiresAt: "refresh_token_expires_at",
        ...timestamps,
      },
    },
    verification: {
      modelName: "verifications",
      fields: { expiresAt: "expires_at", ...timestamps },
    },
  },
  session: {
    modelName: "user_sessions",
    fields: {
      expiresAt: "expires_at",
      ipAddress: "ip_address",
      userAgent: "user_agent",
      userId: "user_id",
      ...timestamps,
    },
  },
  admin: {
    user: { fields: { banReason: "ban_reason", banExpires: "ban_expires" } },
    session: { fields: { impersonatedBy: "impersonated_by" } },
  },
  /** better-auth two-factor plugin (TOTP secret and backup codes, both sealed; plugins/mfa). */
  twoFactor: {
    user: { fields: { twoFactorEnabled: "two_factor_enabled" } },
    twoFactor: {
      modelName: "two_factors",
      fields: {
        backupCodes: "backup_codes",
        userId: "user_id",
        failedVerificationCount: "failed_verification_count",
        lockedUntil: "locked_until",
      },
    },
  },
  /** @better-auth/passkey (WebAuthn credentials; public keys only). */
  passkey: {
    passkey: {
      modelName: "passkeys",
      fields: {
        publicKey: "public_key",
        userId: "user_id",
        credentialID: "credential_id",
        deviceType: "device_type",
        backedUp: "backed_up",
        createdAt: "created_at",
      },
    },
  },
  jwt: {
    jwks: {
      // Not "jwks": that is stock better-auth's table (camelCase columns), which an import reads.
      modelName: "auth_jwks",
      fields: { publicKey: "public_key", privateKey: "private_key", createdAt: "created_at", expiresAt: "expires_at" },
    },
  },
} as const;
