import { describe, expect, it } from "vitest";
import { MappingError, stockSchema } from "./schema.js";
import { redactUrl, sameDatabase } from "./source.js";

describe("the stock schema", () => {
  it("has better-auth 1.7's default model names and camelCase fields, admin and jwt plugins included", () => {
    const s = stockSchema();
    expect([s.user.table, s.session.table, s.account.table, s.verification.table, s.jwks.table]).toEqual([
      "user",
      "session",
      "account",
      "verification",
      "jwks",
    ]);
    expect(s.user.fields.emailVerified?.column).toBe("emailVerified");
    expect(s.user.fields.banExpires?.column).toBe("banExpires");
    expect(s.session.fields.impersonatedBy?.column).toBe("impersonatedBy");
    expect(s.jwks.fields.privateKey?.column).toBe("privateKey");
  });

  it("takes custom modelName and fields, admin-plugin fields under user and session", () => {
    const s = stockSchema({
      user: { modelName: "app_users", fields: { emailVerified: "email_verified", banReason: "ban_reason" } },
      session: { modelName: "app_sessions", fields: { userId: "user_id", impersonatedBy: "impersonated_by" } },
      jwks: { modelName: "app_keys", fields: { publicKey: "public_key" } },
    });
    expect(s.user).toMatchObject({ table: "app_users" });
    expect(s.user.fields.emailVerified?.column).toBe("email_verified");
    expect(s.user.fields.banReason?.column).toBe("ban_reason");
    expect(s.user.fields.email?.column).toBe("email");
    expect(s.session.fields.userId?.column).toBe("user_id");
    expect(s.session.fields.impersonatedBy?.column).toBe("impersonated_by");
    expect(s.jwks).toMatchObject({ table: "app_keys" });
    expect(s.jwks.fields.publicKey?.column).toBe("public_key");
  });

  it("refuses a field better-auth does not have, listing the ones it has", () => {
    expect(() => stockSchema({ user: { fields: { emailVerifed: "x" } } })).toThrow(MappingError);
    expect(() => stockSchema({ user: { fields: { emailVerifed: "x" } } })).toThrow(
      /user\.fields\.emailVerifed: not a better-auth user field \(id, name, email, emailVerified/,
    );
  });
});

describe("source URLs", () => {
  it("hides the password", () => {
    expect(redactUrl("postgres://app:s3cret@db.example.com:5432/auth")).toBe(
      "postgres://app:***@db.example.com:5432/auth",
    );
    expect(redactUrl("sqlite:./data/stock.db")).toBe("sqlite:./data/stock.db");
  });

  it("knows Gatehouse's own database whatever the credentials or spelling", () => {
    expect(sameDatabase("postgres://a:b@h:5432/auth", "postgresql://c:d@h/auth")).toBe(true);
    expect(sameDatabase("postgres://h/auth", "postgres://h/other")).toBe(false);
    expect(sameDatabase("sqlite:/tmp/x.db", "sqlite:///tmp/x.db")).toBe(true);
    expect(sameDatabase("sqlite:/tmp/x.db", "postgres://h/x")).toBe(false);
  });
});
