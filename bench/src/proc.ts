import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Memory of one process from /proc/<pid>/status, in MiB (0 when the process is gone). */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key: string): number => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
    return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024 };
  } catch {
    return { rssMiB: 0, hwmMiB: 0 };
  }
}

let clockTicks = 0;

/** CPU time (user + system) a process has used so far, in milliseconds; 0 when it is gone. */
export function cpuMsOf(pid: number): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return 0;
  }
}

/** CPU time the whole machine has been busy (all cores, /proc/stat), in milliseconds. */
export function machineBusyMs(): number {
  cpuMsOf(process.pid); // makes sure clockTicks is known
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return (busy * 1000) / clockTicks;
}

/** CPU time used so far by this process and everything it started (servers, PostgreSQL, workers). */
export function ourCpuMs(): number {
  return [process.pid, ...descendantsOf(process.pid)].reduce((ms, pid) => ms + cpuMsOf(pid), 0);
}

/** Every live descendant of `pid` (uvicorn's workers, uv's child), from /proc/<n>/stat parent ids. */
export function descendantsOf(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(name), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/**
 * The process listening on 127.0.0.1:`port` among `candidates` (found through the socket inode in
 * /proc/net/tcp), so a server started through wrappers (npm → tsx → node) is measured itself.
 */
export function listenerPid(port: number, candidates: number[]): number | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 is the inode.
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === "0A" && f[9]) inodes.add(f[9]);
    }
  }
  for (const pid of candidates) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith("socket:[") && inodes.has(target.slice(8, -1))) return pid;
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return null;
}

/** Command line of a process (NUL-separated in /proc), or "" when gone. */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

export interface StartOptions {
  /** Short name used in logs and the report. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Where stdout and stderr go (the file is kept for a failed run's post-mortem). */
  logFile: string;
  /** A URL that answers 2xx once the process is ready. */
  readyUrl: string;
  readyTimeoutMs?: number;
}

/** A child process this harness started and must stop. */
export class ManagedProcess {
  private exited = false;
  private exitInfo = "";
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    child.once("exit", (code, signal) => {
      this.exited = true;
      this.exitInfo = `code ${code} signal ${signal}`;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Throws with the log's tail when the process died. */
  assertAlive(): void {
    if (this.exited) throw new Error(`${this.name} exited (${this.exitInfo}); log ${this.logFile}:\n${this.tail()}`);
  }

  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`. */
  async stop(graceMs = 8000): Promise<void> {
    if (this.exited || !this.child.pid) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    try {
      process.kill(-this.child.pid, "SIGTERM");
    } catch {
      this.child.kill("SIGTERM");
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(this.child.pid as number), "SIGKILL");
      } catch {
        this.child.kill("SIGKILL");
      }
    }, graceMs);
    await done;
    clearTimeout(timer);
  }
}

/** Every process started here, so an error or Ctrl-C still stops them all. */
const started: ManagedProcess[] = [];

export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((p) => p.stop()));
}

/** Spawns a server in its own process group and waits until `readyUrl` answers. */
export async function startProcess(opts: StartOptions): Promise<ManagedProcess> {
  const log = createWriteStream(opts.logFile, { flags: "a" });
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group: stop() reaches uvicorn's workers too
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const proc = new ManagedProcess(opts.name, child, opts.logFile);
  started.push(proc);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    proc.assertAlive();
    try {
      const res = await fetch(opts.readyUrl, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return proc;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  await proc.stop();
  throw new Error(`${opts.name} was not ready at ${opts.readyUrl} in time; log ${opts.logFile}:\n${proc.tail()}`);
}

/** Samples the peak VmRSS of a set of processes while a run is under way. */
export class RssSampler {
  private peak = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly pids: () => number[]) {}

  start(intervalMs = 200): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    for (const pid of this.pids()) {
      const { rssMiB } = memoryOf(pid);
      if (rssMiB > (this.peak.get(pid) ?? 0)) this.peak.set(pid, rssMiB);
    }
  }

  /** Stops sampling; returns the peak RSS per pid in MiB. */
  stop(): Map<number, number> {
    this.sample();
    clearInterval(this.timer);
    return this.peak;
  }
}

export const WORK_DIR = join(import.meta.dirname, "..", ".work");
