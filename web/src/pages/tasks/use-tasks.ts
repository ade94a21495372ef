import { useCallback, useEffect, useRef, useState } from "react";
import type { Task } from "../../lib/backend";
import { type AppError, toAppError } from "../../lib/errors";
import { insertOp, patchOp, removeOp, runOptimistic } from "../../lib/optimistic";
import { createTask, deleteTask, type Filter, listTasks, matchesFilter, patchTask } from "./tasks-api";

export const PAGE_SIZE = 20;

export interface TasksState {
  items: Task[];
  count: number;
  loading: boolean;
  /** Loading the list failed (nothing to show). */
  loadError: AppError | null;
  /** A change failed and was undone. */
  changeError: { what: string; error: AppError } | null;
  /** Tasks with a request in flight (shown dimmed, actions disabled). */
  busy: ReadonlySet<string>;
}

let tempIds = 0;

/**
 * The task list of one filter/page with optimistic create, edit, complete and delete: each change
 * shows at once and is undone if the backend refuses it.
 */
export function useTasks(filter: Filter, page: number) {
  const [items, setItems] = useState<Task[]>([]);
  const [count, setCount] = useState(0);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [changeError, setChangeError] = useState<TasksState["changeError"]>(null);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const request = useRef(0);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  // Changes in flight. A list fetched while one is pending may predate it and would overwrite
  // the optimistic state (losing a just-added task), so such loads are dropped and redone after.
  const pending = useRef(0);
  const reloadAfterChanges = useRef(false);
  const loadInFlight = useRef(false);

  const reload = useCallback(async () => {
    if (pending.current > 0) {
      reloadAfterChanges.current = true;
      return;
    }
    const mine = ++request.current;
    loadInFlight.current = true;
    setLoading(true);
    setLoadError(null);
    try {
      const res = await listTasks(filter, PAGE_SIZE, page * PAGE_SIZE);
      if (mine !== request.current) return; // a newer load or a change made this one stale
      loadInFlight.current = false;
      setItems(res.data);
      setCount(res.count);
      setLoading(false);
    } catch (err) {
      if (mine !== request.current) return;
      loadInFlight.current = false;
      setLoadError(toAppError(err));
      setLoading(false);
    }
  }, [filter, page]);
  const reloadRef = useRef(reload);
  reloadRef.current = reload;

  useEffect(() => {
    void reload();
  }, [reload]);

  const mark = (id: string, on: boolean): void =>
    setBusy((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  /** Runs one optimistic change; failures land in changeError, never in an unhandled rejection. */
  const change = async (id: string, what: string, work: () => Promise<unknown>): Promise<boolean> => {
    setChangeError(null);
    mark(id, true);
    pending.current += 1;
    if (loadInFlight.current) {
      request.current += 1; // drop the load in flight…
      reloadAfterChanges.current = true; // …and redo it once the changes are settled
    }
    try {
      await work();
      return true;
    } catch (err) {
      setChangeError({ what, error: toAppError(err) });
      return false;
    } finally {
      mark(id, false);
      pending.current -= 1;
      if (pending.current === 0 && reloadAfterChanges.current) {
        reloadAfterChanges.current = false;
        void reloadRef.current();
      }
    }
  };

  const add = (title: string, description: string | null): Promise<boolean> => {
    const now = new Date().toISOString();
    const temp: Task = {
      id: `temp-${++tempIds}`,
      user_id: "",
      title,
      description,
      completed: false,
      created_at: now,
      updated_at: now,
    };
    const visible = matchesFilter(temp, filter) && page === 0;
    return change(temp.id, `add “${title}”`, async () => {
      setCount((c) => c + 1);
      try {
        if (!visible) return await createTask(title, description);
        return await runOptimistic(
          setItems,
          insertOp(temp),
          () => createTask(title, description),
          (l, saved) => l.map((x) => (x.id === temp.id ? saved : x)),
        );
      } catch (err) {
        setCount((c) => c - 1);
        throw err;
      }
    });
  };

  const update = (
    task: Task,
    changes: { title?: string; description?: string | null; completed?: boolean },
    what: string,
  ): Promise<boolean> =>
    change(task.id, what, async () => {
      const saved = await runOptimistic(
        setItems,
        patchOp(task.id, changes, itemsRef.current),
        () => patchTask(task.id, changes),
        (l, s) =>
          // A task that no longer matches the filter leaves the list once the server agrees.
          matchesFilter(s, filter) ? l.map((x) => (x.id === s.id ? s : x)) : l.filter((x) => x.id !== s.id),
      );
      if (!matchesFilter(saved, filter)) setCount((c) => c - 1);
    });

  const remove = (task: Task): Promise<boolean> =>
    change(task.id, `delete “${task.title}”`, async () => {
      setCount((c) => c - 1);
      try {
        await runOptimistic(setItems, removeOp(task.id, itemsRef.current), () => deleteTask(task.id));
      } catch (err) {
        setCount((c) => c + 1);
        throw err;
      }
    });

  return {
    state: { items, count, loading, loadError, changeError, busy } satisfies TasksState,
    reload,
    add,
    update,
    remove,
    dismissChangeError: () => setChangeError(null),
  };
}
