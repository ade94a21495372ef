#!/usr/bin/env node
/**
 * `make dev`'s readiness wait and banner. Polls every `name=url` until each answers 2xx, failing
 * early when a service's process (`--pid=name=pid`) has stopped, and late after `--timeout` seconds;
 * then prints one banner with the URLs a person opens. Exit 0 = ready, 1 = not.
 *
 * Usage: dev-ready.mjs --timeout=300 --started=<epoch s> --auth-port=3000 --api-port=8000
 *          --web-port=5173 [--admins=a@x,b@y] [--pid=auth=123 ...] [--then=web=http://…/api/auth/ok]
 *          auth=http://… backend=http://… …
 */
import process from "node:process";

const opts = {};
const pids = [];
const checks = [];
/** Checked once `checks` answer: the web server's proxy to the auth server (it logs errors until then). */
const later = [];
for (const arg of process.argv.slice(2)) {
  const m = arg.match(/^--([a-z-]+)=(.*)$/s);
  if (m?.[1] === "pid") {
    const [name, pid] = m[2].split("=");
    pids.push({ name, pid: Number(pid) });
  } else if (m?.[1] === "then") {
    const i = m[2].indexOf("=");
    later.push({ name: m[2].slice(0, i), url: m[2].slice(i + 1) });
  } else if (m) opts[m[1]] = m[2];
  else {
    const i = arg.indexOf("=");
    checks.push({ name: arg.slice(0, i), url: arg.slice(i + 1) });
  }
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const answers = async (url) => {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000), redirect: "manual" });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
};

const deadline = Date.now() + Number(opts.timeout ?? 300) * 1000;
const pending = new Set(checks);
while (pending.size > 0 || later.length > 0) {
  if (pending.size === 0) for (const c of later.splice(0)) pending.add(c);
  const stopped = pids.find((p) => !alive(p.pid));
  if (stopped) {
    console.error(`\n${stopped.name} stopped before it was ready; its output is above.`);
    process.exit(1);
  }
  if (Date.now() > deadline) {
    const names = [...new Set([...pending].map((c) => `${c.name} (${c.url})`))].join(", ");
    console.error(`\nNot ready after ${opts.timeout} s: ${names}. Their output is above.`);
    process.exit(1);
  }
  await Promise.all(
    [...pending].map(async (c) => {
      if (await answers(c.url)) pending.delete(c);
    }),
  );
  if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
}

const web = `http://localhost:${opts["web-port"]}`;
const rows = [
  ["App", web],
  ["Mailbox", `${web}/dev/mailbox`],
  ["API docs", `http://localhost:${opts["api-port"]}/docs`],
  ["Auth API", `http://localhost:${opts["auth-port"]}/api/auth/reference`],
];
const admins = (opts.admins ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const seconds = Math.round(Date.now() / 1000 - Number(opts.started ?? Date.now() / 1000));
const rule = "─".repeat(72);
const lines = [
  rule,
  `  Gatehouse is ready (${seconds} s). Open the app:`,
  "",
  ...rows.map(([k, v]) => `  ${k.padEnd(10)} ${v}`),
  "",
  admins.length > 0
    ? `  Admin      ${admins.join(", ")} — sign up with this address; admin once you verify it in that browser (docs: ADMIN_EMAILS).`
    : "  Admin      none named yet: stop, then `make dev ADMIN_EMAIL=you@example.com`.",
  "  Logs       below, one line per event; requests at LOG_LEVEL=debug.",
  "",
  "  Ctrl-C stops everything.",
  rule,
];
console.log(`\n${lines.join("\n")}\n`);
