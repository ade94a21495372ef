import { act, renderHook, waitFor } from "@testing-library/react";
import type { Task } from "../../lib/backend";
import * as api from "./tasks-api";
import { useTasks } from "./use-tasks";

vi.mock("./tasks-api", async (orig) => {
  const real = await orig<typeof import("./tasks-api")>();
  return { ...real, listTasks: vi.fn(), createTask: vi.fn(), patchTask: vi.fn(), deleteTask: vi.fn() };
});

const listTasks = vi.mocked(api.listTasks);
const createTask = vi.mocked(api.createTask);
const patchTask = vi.mocked(api.patchTask);
const deleteTask = vi.mocked(api.deleteTask);

const task = (id: string, title: string, completed = false): Task => ({
  id,
  title,
  completed,
  description: null,
  user_id: "u1",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const serverError = {
  code: "INTERNAL_ERROR",
  message: "Something went wrong on our side. Please try again.",
  status: 500,
};

beforeEach(() => {
  vi.resetAllMocks();
});

async function loaded(tasks: Task[], filter: api.Filter = "all") {
  listTasks.mockResolvedValue({ data: tasks, count: tasks.length });
  const hook = renderHook(() => useTasks(filter, 0));
  await waitFor(() => expect(hook.result.current.state.loading).toBe(false));
  return hook;
}

describe("useTasks optimistic updates", () => {
  it("shows a new task at once and swaps in the server's copy", async () => {
    const { result } = await loaded([task("a", "Old")]);
    const save = deferred<Task>();
    createTask.mockReturnValue(save.promise);
    let done!: Promise<boolean>;
    act(() => {
      done = result.current.add("New", null);
    });
    expect(result.current.state.items.map((t) => t.title)).toEqual(["New", "Old"]);
    expect(result.current.state.count).toBe(2);
    await act(async () => {
      save.resolve(task("b", "New"));
      await done;
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["b", "a"]);
  });

  it("rolls back a failed add and reports it", async () => {
    const { result } = await loaded([task("a", "Old")]);
    createTask.mockRejectedValue(serverError);
    let ok = true;
    await act(async () => {
      ok = await result.current.add("Doomed", null);
    });
    expect(ok).toBe(false);
    expect(result.current.state.items.map((t) => t.title)).toEqual(["Old"]);
    expect(result.current.state.count).toBe(1);
    expect(result.current.state.changeError).toMatchObject({ what: "add “Doomed”", error: { code: "INTERNAL_ERROR" } });
  });

  it("rolls back a failed completion", async () => {
    const { result } = await loaded([task("a", "Walk")]);
    const save = deferred<Task>();
    patchTask.mockReturnValue(save.promise);
    let done!: Promise<boolean>;
    act(() => {
      done = result.current.update(result.current.state.items[0] as Task, { completed: true }, "update “Walk”");
    });
    expect(result.current.state.items[0]?.completed).toBe(true);
    expect(result.current.state.busy.has("a")).toBe(true);
    await act(async () => {
      save.reject(serverError);
      await done;
    });
    expect(result.current.state.items[0]?.completed).toBe(false);
    expect(result.current.state.busy.size).toBe(0);
  });

  it("puts a task back where it was when deleting fails", async () => {
    const { result } = await loaded([task("a", "A"), task("b", "B"), task("c", "C")]);
    deleteTask.mockRejectedValue(serverError);
    await act(async () => {
      await result.current.remove(result.current.state.items[1] as Task);
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["a", "b", "c"]);
    expect(result.current.state.count).toBe(3);
  });

  it("drops a completed task from the Open filter once the server agrees", async () => {
    const { result } = await loaded([task("a", "A"), task("b", "B")], "open");
    patchTask.mockResolvedValue(task("a", "A", true));
    await act(async () => {
      await result.current.update(result.current.state.items[0] as Task, { completed: true }, "update “A”");
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["b"]);
    expect(result.current.state.count).toBe(1);
  });

  it("a list load that started before an add cannot wipe the new task", async () => {
    const firstLoad = deferred<{ data: Task[]; count: number }>();
    listTasks.mockReturnValueOnce(firstLoad.promise).mockResolvedValue({ data: [task("b", "New")], count: 1 });
    const { result } = renderHook(() => useTasks("all", 0));
    const save = deferred<Task>();
    createTask.mockReturnValue(save.promise);
    let done!: Promise<boolean>;
    act(() => {
      done = result.current.add("New", null);
    });
    await act(async () => {
      firstLoad.resolve({ data: [], count: 0 }); // stale: fetched before the task existed
      await firstLoad.promise;
    });
    expect(result.current.state.items.map((t) => t.title)).toEqual(["New"]);
    await act(async () => {
      save.resolve(task("b", "New"));
      await done;
    });
    await waitFor(() => expect(result.current.state.loading).toBe(false));
    expect(result.current.state.items.map((t) => t.id)).toEqual(["b"]);
    expect(result.current.state.count).toBe(1);
    expect(listTasks).toHaveBeenCalledTimes(2); // the stale load was redone after the change
  });
});
