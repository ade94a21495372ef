import { insertOp, patchOp, removeOp, runOptimistic } from "./optimistic";

interface Task {
  id: string | number;
  title: string;
  completed: boolean;
}

const t = (id: number, title = `t${id}`, completed = false): Task => ({ id, title, completed });

/** A tiny store standing in for React state: updates apply in order. */
function store(initial: Task[]) {
  let list = initial;
  const history: Task[][] = [];
  return {
    update: (fn: (l: Task[]) => Task[]) => {
      list = fn(list);
      history.push(list);
    },
    get: () => list,
    history,
  };
}

describe("list ops", () => {
  it("insert and its rollback", () => {
    const op = insertOp<Task>(t(-1, "temp"));
    const applied = op.apply([t(1)]);
    expect(applied.map((x) => x.id)).toEqual([-1, 1]);
    expect(op.rollback(applied).map((x) => x.id)).toEqual([1]);
  });

  it("patch rollback restores only the patched fields", () => {
    const list = [t(1, "a", false)];
    const op = patchOp<Task>(1, { completed: true }, list);
    // Meanwhile the title changed through another (successful) edit.
    const later = op.apply(list).map((x) => ({ ...x, title: "renamed" }));
    expect(op.rollback(later)).toEqual([{ id: 1, title: "renamed", completed: false }]);
  });

  it("remove rollback reinserts at the original position", () => {
    const list = [t(1), t(2), t(3)];
    const op = removeOp<Task>(2, list);
    const applied = op.apply(list);
    expect(applied.map((x) => x.id)).toEqual([1, 3]);
    expect(op.rollback(applied).map((x) => x.id)).toEqual([1, 2, 3]);
  });

  it("remove rollback does not duplicate an item that came back", () => {
    const list = [t(1), t(2)];
    const op = removeOp<Task>(2, list);
    expect(op.rollback(list).map((x) => x.id)).toEqual([1, 2]);
  });
});

describe("runOptimistic", () => {
  it("shows the change before the request finishes and settles with the server's answer", async () => {
    const s = store([t(1)]);
    let release: (v: Task) => void = () => {};
    const pending = runOptimistic(
      s.update,
      insertOp<Task>(t(-1, "new")),
      () => new Promise<Task>((r) => (release = r)),
      (l, saved) => l.map((x) => (x.id === -1 ? saved : x)),
    );
    expect(s.get().map((x) => x.id)).toEqual([-1, 1]);
    release(t(7, "new"));
    await pending;
    expect(s.get().map((x) => x.id)).toEqual([7, 1]);
  });

  it("rolls back on error and rethrows", async () => {
    const s = store([t(1), t(2)]);
    const boom = new Error("500");
    await expect(runOptimistic(s.update, removeOp<Task>(1, s.get()), () => Promise.reject(boom))).rejects.toBe(boom);
    expect(s.get().map((x) => x.id)).toEqual([1, 2]);
    expect(s.history.map((l) => l.length)).toEqual([1, 2]);
  });

  it("a failing change does not undo a concurrent successful one", async () => {
    const s = store([t(1, "a"), t(2, "b")]);
    let fail: (e: Error) => void = () => {};
    const failing = runOptimistic(
      s.update,
      patchOp<Task>(1, { completed: true }, s.get()),
      () => new Promise((_, rej) => (fail = rej)),
    );
    await runOptimistic(s.update, patchOp<Task>(2, { title: "B" }, s.get()), () => Promise.resolve(null));
    fail(new Error("conflict"));
    await expect(failing).rejects.toThrow("conflict");
    expect(s.get()).toEqual([
      { id: 1, title: "a", completed: false },
      { id: 2, title: "B", completed: false },
    ]);
  });
});
