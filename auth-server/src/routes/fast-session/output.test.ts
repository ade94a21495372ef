import type { AuthContext } from "better-auth";
import { getAuthTables, parseSessionOutput, parseUserOutput } from "better-auth/db";
import { describe, expect, it } from "vitest";
import { outputFilter } from "./output.js";

/** A configuration with hidden fields of every origin: additional fields and a plugin's schema. */
const options = {
  user: {
    additionalFields: {
      secretNote: { type: "string", returned: false, required: false },
      nickname: { type: "string", required: false },
    },
  },
  session: { additionalFields: { deviceKey: { type: "string", returned: false, required: false } } },
  plugins: [
    {
      id: "probe",
      schema: { user: { fields: { pluginSecret: { type: "string", returned: false, required: false } } } },
    },
  ],
} as unknown as AuthContext["options"];
const tables = getAuthTables(options) as AuthContext["tables"];

describe("outputFilter", () => {
  it("keeps and drops exactly what better-auth's parseUserOutput / parseSessionOutput do, in the same order", () => {
    const created = new Date("2026-11-30T10:00:00.000Z");
    const user = {
      name: "A",
      email: "a@example.com",
      secretNote: "x",
      emailVerified: true,
      pluginSecret: "y",
      image: null,
      createdAt: created,
      nickname: "n",
      notInSchema: 1,
      id: "u1",
    };
    const session = { token: "t", deviceKey: "k", expiresAt: created, userId: "u1", id: "s1" };
    const filteredUser = outputFilter(options, tables, "user")(user);
    const filteredSession = outputFilter(options, tables, "session")(session);
    expect(filteredUser).toStrictEqual(parseUserOutput(options, user as never));
    expect(Object.keys(filteredUser)).toEqual(Object.keys(parseUserOutput(options, user as never)));
    expect(filteredUser).not.toHaveProperty("secretNote");
    expect(filteredUser).not.toHaveProperty("pluginSecret");
    expect(filteredSession).toStrictEqual(parseSessionOutput(options, session as never));
    expect(filteredSession).not.toHaveProperty("deviceKey");
    expect(JSON.stringify(filteredUser)).toBe(JSON.stringify(parseUserOutput(options, user as never)));
  });

  it("leaves its input as it was and copies a `__proto__` key as an own property, as the spread does", () => {
    const data = JSON.parse('{"id":"u1","__proto__":{"polluted":true},"secretNote":"x"}') as Record<string, unknown>;
    const out = outputFilter(options, tables, "user")(data);
    expect(Object.keys(out)).toEqual(["id", "__proto__"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(JSON.stringify(parseUserOutput(options, data as never)));
    expect(data).toHaveProperty("secretNote");
  });
});
