import { backend, ok, type Task, type TasksPage } from "../../lib/backend";

export type Filter = "all" | "open" | "done";

const completedFor = (f: Filter): boolean | undefined => (f === "all" ? undefined : f === "done");

/** Does a task belong in the list shown under `filter`? */
export function matchesFilter(task: Task, filter: Filter): boolean {
  const c = completedFor(filter);
  return c === undefined || task.completed === c;
}

export async function listTasks(filter: Filter, limit: number, offset: number): Promise<TasksPage> {
  const completed = completedFor(filter);
  return ok(
    await backend.GET("/api/v1/tasks", {
      params: { query: { limit, offset, ...(completed === undefined ? {} : { completed }) } },
    }),
  );
}

export async function createTask(title: string, description: string | null): Promise<Task> {
  return ok(await backend.POST("/api/v1/tasks", { body: { title, description, completed: false } }));
}

export async function patchTask(
  id: string,
  changes: { title?: string; description?: string | null; completed?: boolean },
): Promise<Task> {
  return ok(await backend.PATCH("/api/v1/tasks/{task_id}", { params: { path: { task_id: id } }, body: changes }));
}

export async function deleteTask(id: string): Promise<void> {
  ok(await backend.DELETE("/api/v1/tasks/{task_id}", { params: { path: { task_id: id } } }));
}
