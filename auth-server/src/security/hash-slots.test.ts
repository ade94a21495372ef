import { describe, expect, it } from "vitest";
import { withHashSlots } from "./hash-slots.js";

describe("withHashSlots", () => {
  it("runs at most `slots` hashes at once and every one of them, in arrival order", async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const release: Array<() => void> = [];
    const slow = (label: string) =>
      new Promise<string>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        order.push(label);
        release.push(() => {
          running--;
          resolve(`h(${label})`);
        });
      });
    const limited = withHashSlots({ hash: slow, verify: async ({ password }) => (await slow(password)) !== "" }, 2);
    let done = false;
    const all = Promise.all(["a", "b", "c", "d", "e"].map((p) => limited.hash(p))).finally(() => {
      done = true;
    });
    // Release one running hash at a time until all five are done, checking the bound each time.
    for (let turn = 0; turn < 100 && !done; turn++) {
      await new Promise((r) => setImmediate(r));
      expect(running).toBeLessThanOrEqual(2);
      release.shift()?.();
    }
    expect(await all).toEqual(["h(a)", "h(b)", "h(c)", "h(d)", "h(e)"]);
    expect(peak).toBe(2);
    expect(order).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("frees the slot when a hash fails", async () => {
    const limited = withHashSlots({ hash: async () => Promise.reject(new Error("boom")), verify: async () => true }, 1);
    await expect(limited.hash("x")).rejects.toThrow("boom");
    expect(await limited.verify({ hash: "h", password: "p" })).toBe(true);
  });

  it("refuses a slot count that is not a positive integer", () => {
    const h = { hash: async () => "", verify: async () => true };
    expect(() => withHashSlots(h, 0)).toThrow();
    expect(() => withHashSlots(h, 1.5)).toThrow();
  });
});
