import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.js";
import { startTestServer, TEST_SECRET, type TestServer } from "./harness.js";

// Debian's Chromium (scripts/ensure-chromium.sh), with the flags the e2e suite uses.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("API reference viewer (/api/auth/reference)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
  });
  afterAll(async () => s.close());

  it("is a page of local assets under a CSP that allows nothing remote", async () => {
    const page = await s.call("/api/auth/reference");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|\*|'unsafe-inline'|'unsafe-eval'/);
    for (const [asset, type] of [
      ["swagger-ui-bundle.js", "text/javascript"],
      ["init.js", "text/javascript"],
      ["swagger-ui.css", "text/css"],
    ]) {
      const res = await s.call(`/api/auth/reference/${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("content-type"), asset).toContain(type);
    }
    expect((await s.call("/api/auth/reference/package.json")).status).toBe(404);
    for (const inherited of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) {
      const res = await s.call(`/api/auth/reference/${inherited}`);
      expect(res.status, inherited).toBe(404);
    }
  });

  it("renders every operation in Chromium with no request leaving this server and no CSP violation", async () => {
    const server = serve({ fetch: s.gh.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const remote: string[] = [];
      const problems: string[] = [];
      // Offline as far as the page is concerned: anything not from this server is refused and noted.
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
        remote.push(url);
        return route.abort();
      });
      page.on("console", (m) => {
        if (m.type() === "error" || /Content Security Policy/i.test(m.text())) problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));
      await page.goto(`${origin}/api/auth/reference`);
      const operations = page.locator(".opblock-summary-path");
      // A 1.7 MB bundle parsed on a shared 2-core machine: wait for the condition, bounded generously.
      await operations.first().waitFor({ timeout: 90_000 });
      const paths = await operations.allInnerTexts();
      const doc = (await (await s.call("/api/auth/openapi.json")).json()) as { paths: Record<string, object> };
      const documented = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
      expect(paths.length).toBe(documented);
      expect(paths.map((p) => p.replace(/\u200b/g, ""))).toContain("/sign-in/email");
      expect(remote).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 120_000);

  it("is off by default in production, and API_REFERENCE_ENABLED turns it on or off", async () => {
    const production = { NODE_ENV: "production", BETTER_AUTH_SECRET: TEST_SECRET, SMTP_URL: "smtp://mail:25" };
    expect(loadEnv(production).API_REFERENCE_ENABLED).toBe(false);
    expect(loadEnv({ ...production, API_REFERENCE_ENABLED: "true" }).API_REFERENCE_ENABLED).toBe(true);
    expect(loadEnv({ BETTER_AUTH_SECRET: TEST_SECRET }).API_REFERENCE_ENABLED).toBe(true);
    const off = await startTestServer("sqlite", { API_REFERENCE_ENABLED: "false" });
    try {
      for (const path of [
        "/api/auth/reference",
        "/api/auth/reference/swagger-ui-bundle.js",
        "/api/auth/openapi.json",
      ]) {
        const res = await off.call(path);
        expect(res.status, path).toBe(404);
        expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
      }
    } finally {
      await off.close();
    }
  });
});
