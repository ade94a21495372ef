import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { release } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./servers.js";

/** What the numbers were measured on, for the report. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memory: string;
  kernel: string;
  node: string;
  python: string;
  autocannon: string;
  betterAuth: string;
}

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  // Read the file itself: some packages' export maps do not expose package.json.
  try {
    const main = require.resolve(pkg);
    const root = main.slice(0, main.lastIndexOf(`node_modules/${pkg}/`) + `node_modules/${pkg}/`.length);
    return (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** 1-minute load average: other work on the machine skews every number, so the report shows it. */
export function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const cpu = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown";
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const memKiB = Number(readFileSync("/proc/meminfo", "utf8").match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0);
  const python = join(REPO_ROOT, "backend", ".venv", "bin", "python");
  let pythonVersion = "not installed";
  if (existsSync(python)) {
    try {
      pythonVersion = execFileSync(python, ["--version"], { encoding: "utf8" }).trim();
    } catch {
      pythonVersion = "?";
    }
  }
  return {
    cpu,
    cores,
    memory: `${(memKiB / 1024 / 1024).toFixed(1)} GiB`,
    kernel: `Linux ${release()}`,
    node: process.version,
    python: pythonVersion,
    autocannon: versionOf("autocannon"),
    betterAuth: versionOf("better-auth"),
  };
}
