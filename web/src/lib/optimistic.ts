/**
 * Optimistic list updates: the change shows at once, the request runs, and on failure exactly
 * that change is undone. Each operation knows its own inverse instead of restoring a snapshot of
 * the whole list, so a failure never wipes out another change that succeeded meanwhile.
 */

export interface Identified {
  id: string | number;
}

export interface ListOp<T> {
  apply(list: readonly T[]): T[];
  rollback(list: readonly T[]): T[];
}

/** Adds `item` (usually with a temporary id) at the start of the list. */
export function insertOp<T extends Identified>(item: T): ListOp<T> {
  return {
    apply: (list) => [item, ...list],
    rollback: (list) => list.filter((x) => x.id !== item.id),
  };
}

/** Changes the fields in `patch`; rollback restores only those fields to what they were. */
export function patchOp<T extends Identified>(id: T["id"], patch: Partial<T>, list: readonly T[]): ListOp<T> {
  const before = list.find((x) => x.id === id);
  const previous: Partial<T> = {};
  if (before) for (const key of Object.keys(patch) as (keyof T)[]) previous[key] = before[key];
  return {
    apply: (l) => l.map((x) => (x.id === id ? { ...x, ...patch } : x)),
    rollback: (l) => l.map((x) => (x.id === id ? { ...x, ...previous } : x)),
  };
}

/** Removes the item; rollback puts it back where it was (or at the end if the list shrank). */
export function removeOp<T extends Identified>(id: T["id"], list: readonly T[]): ListOp<T> {
  const index = list.findIndex((x) => x.id === id);
  const removed = index >= 0 ? list[index] : undefined;
  return {
    apply: (l) => l.filter((x) => x.id !== id),
    rollback: (l) => {
      if (!removed || l.some((x) => x.id === id)) return [...l];
      const copy = [...l];
      copy.splice(Math.min(index, copy.length), 0, removed);
      return copy;
    },
  };
}

export type ListUpdater<T> = (fn: (list: T[]) => T[]) => void;

/**
 * Applies `op` through `update`, runs `request`, and on failure rolls the op back and rethrows.
 * `settle` (optional) replaces the optimistic guess with the server's answer on success.
 */
export async function runOptimistic<T, R>(
  update: ListUpdater<T>,
  op: ListOp<T>,
  request: () => Promise<R>,
  settle?: (list: T[], result: R) => T[],
): Promise<R> {
  update((l) => op.apply(l));
  try {
    const result = await request();
    if (settle) update((l) => settle(l, result));
    return result;
  } catch (err) {
    update((l) => op.rollback(l));
    throw err;
  }
}
