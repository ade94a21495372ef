import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ERROR_STATUS,
  ErrorCode,
  FeedKind,
  REVOCATION_BOUND_MS,
  REVOCATION_CACHE_TRUST_MS,
  ROLE_NAMES,
} from "./contract.gen.js";

const ROOT = resolve(import.meta.dirname, "../..");
const GENERATOR = join(ROOT, "scripts", "gen-contract.mjs");
const contract = JSON.parse(readFileSync(join(ROOT, "contract", "gatehouse.json"), "utf8"));

describe("the shared contract", () => {
  it("generated files match contract/gatehouse.json (run `npm run contract` after editing it)", () => {
    // Throws with the generator's message, which names the stale files.
    execFileSync(process.execPath, [GENERATOR, "--check"], { cwd: ROOT, stdio: "pipe" });
  });

  it("this side's constants say what the contract says", () => {
    expect(Object.keys(ErrorCode).sort()).toEqual(Object.keys(contract.errors).sort());
    for (const [code, entry] of Object.entries(contract.errors as Record<string, { status: number }>))
      expect(ERROR_STATUS[code as ErrorCode]).toBe(entry.status);
    expect(Object.values(FeedKind).sort()).toEqual(Object.keys(contract.feedKinds).sort());
    expect([...ROLE_NAMES]).toEqual(contract.roles.names);
    expect([REVOCATION_BOUND_MS, REVOCATION_CACHE_TRUST_MS]).toEqual([
      contract.revocation.boundMs,
      contract.revocation.cacheTrustMs,
    ]);
  });

  it("the check fails when a generated file is edited by hand", async () => {
    const { drift, renderAll } = (await import(GENERATOR)) as {
      drift(rendered: Record<string, string>): string[];
      renderAll(): Record<string, string>;
    };
    const rendered = renderAll();
    const edited = {
      ...rendered,
      "auth-server/src/contract.gen.ts": `${rendered["auth-server/src/contract.gen.ts"]} `,
    };
    // drift() compares rendered text with the files on disk: a rendering that differs from disk is reported.
    expect(drift(edited)).toEqual(["auth-server/src/contract.gen.ts"]);
    expect(drift(rendered)).toEqual([]);
  });

  it("the generator refuses a contract that breaks its own rules", () => {
    const dir = mkdtempSync(join(tmpdir(), "contract-"));
    const bad = join(dir, "gatehouse.json");
    copyFileSync(join(ROOT, "contract", "gatehouse.json"), bad);
    writeFileSync(bad, JSON.stringify({ ...contract, roles: { ...contract.roles, default: "nobody" } }));
    const script = `import(${JSON.stringify(GENERATOR)}).then((m) => m.loadContract(${JSON.stringify(bad)}))`;
    expect(() => execFileSync(process.execPath, ["-e", script], { stdio: "pipe" })).toThrow(/roles.default/);
    // A cache trusted for as long as the promise itself leaves nothing for the read and the request.
    writeFileSync(bad, JSON.stringify({ ...contract, revocation: { ...contract.revocation, cacheTrustMs: 1000 } }));
    expect(() => execFileSync(process.execPath, ["-e", script], { stdio: "pipe" })).toThrow(/cacheTrustMs/);
  });
});
