import { availableParallelism } from "node:os";
import type { PasswordHasher } from "../password.js";

/**
 * At most `slots` password hashes run at once; the rest wait their turn in arrival order.
 *
 * An argon2id hash takes 19 MiB and one core for its whole run (password.ts). libuv runs up to
 * four at once by default, whatever the machine has: on two cores the extra two finish no
 * sooner and only add 38 MiB to the peak. So the default is one slot per core. Waiting is
 * in arrival order and the same for every caller, known email or not, so the answer's timing
 * says nothing new. (A dozen lines instead of a dependency: nothing here needs more.)
 */
export function withHashSlots(hasher: PasswordHasher, slots = availableParallelism()): PasswordHasher {
  if (!Number.isInteger(slots) || slots < 1) throw new Error("withHashSlots: slots must be a positive integer");
  let running = 0;
  const waiting: Array<() => void> = [];
  const inSlot = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running < slots) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
  return {
    hash: (password) => inSlot(() => hasher.hash(password)),
    verify: (data) => inSlot(() => hasher.verify(data)),
  };
}
