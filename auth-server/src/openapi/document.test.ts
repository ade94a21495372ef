import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../test/harness.js";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, any> }>>;
  components: { schemas: Record<string, { properties: Record<string, any>; required?: string[] }> };
};

const acceptsNull = (schema: any): boolean =>
  (Array.isArray(schema?.type) && schema.type.includes("null")) ||
  (schema?.anyOf ?? []).some((s: any) => s?.type === "null");

describe("/api/auth/openapi.json", () => {
  let s: TestServer;
  let doc: Doc;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
    const res = await s.call("/api/auth/openapi.json");
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(async () => s.close());

  it("is OpenAPI 3.1 throughout: nulls are JSON Schema types, never the 3.0 `nullable` keyword", () => {
    expect(doc.openapi).toBe("3.1.1");
    expect(JSON.stringify(doc)).not.toContain('"nullable"');
  });

  it("lets every model field the database may leave empty be null", () => {
    const { User, Session } = doc.components.schemas;
    for (const [model, fields] of [
      [User, ["image", "role", "banned", "banReason", "banExpires"]],
      [Session, ["ipAddress", "userAgent", "impersonatedBy"]],
    ] as const) {
      for (const field of fields) expect(acceptsNull(model?.properties[field]), field).toBe(true);
      for (const field of model?.required ?? []) expect(acceptsNull(model?.properties[field]), field).toBe(false);
    }
  });

  it("describes every error answer as {code, message}, and 401 wherever a session is required", () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
        expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, res] of errors) {
          expect(res.content["application/json"].schema, `${method} ${path} ${status}`).toEqual({
            $ref: "#/components/schemas/ErrorBody",
          });
        }
        const required =
          (op.security ?? []).length > 0 && !(op.security ?? []).some((r) => Object.keys(r as object).length === 0);
        if (required) expect(Object.keys(op.responses), `${method} ${path}`).toContain("401");
      }
    }
    expect(doc.components.schemas.ErrorBody?.required).toEqual(["code", "message"]);
  });

  it("offers neither the internal admin API, nor better-auth's private tables, nor operations this setup never serves", () => {
    const paths = Object.keys(doc.paths);
    expect(paths.filter((p) => p.startsWith("/internal/"))).toEqual([]);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(["ErrorBody", "Passkey", "Session", "User"]);
    expect(doc.paths["/update-session"]).toBeUndefined(); // no additional session fields to update
    expect(doc.paths["/delete-user/callback"]).toBeUndefined(); // deletion mails no verification link
    expect(doc.paths["/get-session"]?.post).toBeUndefined(); // 405 without deferSessionRefresh
    for (const path of ["/sign-in/email", "/sign-up/email", "/get-session", "/me", "/sessions", "/sessions/{id}"]) {
      expect(paths, path).toContain(path);
    }
  });

  it("documents a success answer for every operation (an endpoint without OpenAPI metadata has none)", () => {
    const without = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => !Object.keys(op.responses).some((s) => Number(s) < 400))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(without).toEqual([]);
  });

  it("documents lastActiveAt on every session list (plugins/session-activity)", () => {
    const listed = (schema: any) => schema.allOf?.[1] ?? schema;
    const answer = (path: string, method: string) =>
      doc.paths[path]?.[method]?.responses["200"].content["application/json"].schema;
    for (const items of [
      answer("/sessions", "get").items,
      answer("/list-sessions", "get").items,
      answer("/admin/list-user-sessions", "post").properties.sessions.items,
    ]) {
      expect(listed(items).required).toContain("lastActiveAt");
    }
  });

  it("never serves better-auth's own uncorrected copy", async () => {
    const res = await s.call("/api/auth/open-api/generate-schema");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
  });
});
