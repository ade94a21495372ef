/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig, type ProxyOptions } from "vite";

/**
 * The browser talks to one origin only: the dev server (or `vite preview`) forwards the auth
 * server's and the backend's paths. Cookies set by better-auth are then first-party, with no CORS
 * preflights and no third-party-cookie rules to fight.
 *
 * AUTH_PROXY_TARGET — where /api/auth and /api/dev go (default http://127.0.0.1:3000).
 * API_PROXY_TARGET  — where /api/v1 goes (default http://127.0.0.1:8000).
 * (127.0.0.1, not localhost: both services bind IPv4 only, and "localhost" may resolve to ::1.)
 */
const authTarget = process.env.AUTH_PROXY_TARGET ?? "http://127.0.0.1:3000";
const apiTarget = process.env.API_PROXY_TARGET ?? "http://127.0.0.1:8000";

// xfwd passes the client address on, so the session list shows real IPs rather than the proxy's.
const to = (target: string): ProxyOptions => ({ target, changeOrigin: true, xfwd: true });
const proxy: Record<string, ProxyOptions> = {
  "/api/auth": to(authTarget),
  "/api/dev": to(authTarget),
  "/api/v1": to(apiTarget),
};

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, proxy },
  build: { sourcemap: true },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test-setup.ts"],
    restoreMocks: true,
  },
});
