import { type ReactElement, useEffect, useRef, useState } from "react";
import { Alert, ErrorAlert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { TextAreaField, TextField } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { PageLoader } from "../../components/Spinner";
import type { Task } from "../../lib/backend";
import { useForm } from "../../lib/use-form";
import { plural } from "../../lib/wording.gen";
import { TaskItem } from "./TaskItem";
import { taskRules } from "./task-rules";
import type { Filter } from "./tasks-api";
import { PAGE_SIZE, useTasks } from "./use-tasks";

const FILTERS: { value: Filter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "open", label: "Open" },
  { value: "done", label: "Done" },
];

const EMPTY: Record<Filter, string> = {
  all: "No tasks yet. Add your first one above.",
  open: "Nothing open — everything is done.",
  done: "No completed tasks yet.",
};

function NewTaskForm({
  onAdd,
}: {
  onAdd: (title: string, description: string | null) => Promise<boolean>;
}): ReactElement {
  const form = useForm({ title: "", description: "" }, taskRules);
  return (
    <form
      className="card task-form"
      noValidate
      aria-label="Add a task"
      onSubmit={form.handleSubmit(async (v) => {
        form.setValues({ title: "", description: "" });
        const saved = await onAdd(v.title.trim(), v.description.trim() || null);
        if (!saved) form.setValues(v); // give the text back so nothing typed is lost
      })}
    >
      <TextField label="New task" placeholder="What needs doing?" autoComplete="off" {...form.field("title")} />
      <TextAreaField label="Description (optional)" rows={2} {...form.field("description")} />
      <div>
        <Button type="submit">Add task</Button>
      </div>
    </form>
  );
}

export function TasksPage(): ReactElement {
  const [filter, setFilter] = useState<Filter>("all");
  const [page, setPage] = useState(0);
  const { state, reload, add, update, remove, dismissChangeError } = useTasks(filter, page);
  const [confirmDelete, setConfirmDelete] = useState<Task | null>(null);
  // After a delete the task's own buttons are gone: focus moves to the task now in its place.
  const listRef = useRef<HTMLUListElement>(null);
  const [focusAt, setFocusAt] = useState<number | null>(null);
  useEffect(() => {
    if (focusAt === null) return;
    setFocusAt(null);
    const checks = listRef.current?.querySelectorAll<HTMLInputElement>(".task-check") ?? [];
    const target =
      checks[Math.min(focusAt, checks.length - 1)] ??
      document.querySelector<HTMLInputElement>('form[aria-label="Add a task"] input');
    target?.focus();
  }, [focusAt]);

  const pages = Math.max(1, Math.ceil(state.count / PAGE_SIZE));
  const first = state.count === 0 ? 0 : page * PAGE_SIZE + 1;
  const last = Math.min(state.count, (page + 1) * PAGE_SIZE);

  return (
    <div className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Tasks</h1>
          <p className="muted">Everything you need to get done, in one list.</p>
        </div>
        <Button
          variant="secondary"
          size="sm"
          onClick={() => void reload()}
          loading={state.loading && state.items.length > 0}
        >
          Refresh
        </Button>
      </div>

      <NewTaskForm onAdd={add} />

      {state.changeError && (
        <div style={{ marginTop: "1rem" }}>
          <Alert tone="error" title={`Couldn't ${state.changeError.what}`}>
            <p>{state.changeError.error.message} Your change was undone.</p>
            <Button variant="secondary" size="sm" onClick={dismissChangeError}>
              Dismiss
            </Button>
          </Alert>
        </div>
      )}

      <div className="toolbar">
        <fieldset className="segmented">
          <legend className="visually-hidden">Show tasks</legend>
          {FILTERS.map((f) => (
            <button
              key={f.value}
              type="button"
              aria-pressed={filter === f.value}
              onClick={() => {
                setFilter(f.value);
                setPage(0);
              }}
            >
              {f.label}
            </button>
          ))}
        </fieldset>
        <span className="muted small" aria-live="polite">
          {plural(state.count, "task")}
        </span>
      </div>

      <section className="card" style={{ padding: 0 }} aria-label="Task list">
        {state.loading && state.items.length === 0 ? (
          <PageLoader label="Loading tasks…" />
        ) : state.loadError ? (
          <div style={{ padding: "1rem" }}>
            <ErrorAlert error={state.loadError}>
              <Button variant="secondary" size="sm" onClick={() => void reload()}>
                Try again
              </Button>
            </ErrorAlert>
          </div>
        ) : state.items.length === 0 ? (
          <div className="empty">
            <div className="empty-icon">
              <Icon name="inbox" size={36} />
            </div>
            <p>{EMPTY[filter]}</p>
          </div>
        ) : (
          <ul className="task-list" ref={listRef}>
            {state.items.map((task) => (
              <TaskItem
                key={task.id}
                task={task}
                busy={state.busy.has(task.id)}
                onToggle={(t) => void update(t, { completed: !t.completed }, `update “${t.title}”`)}
                onSave={(t, title, description) => update(t, { title, description }, `save “${title}”`)}
                onDelete={setConfirmDelete}
              />
            ))}
          </ul>
        )}
      </section>

      {pages > 1 && (
        <nav className="pager" aria-label="Pages">
          <span className="muted">
            {first}–{last} of {state.count}
          </span>
          <div className="row">
            <Button variant="secondary" size="sm" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
              Previous
            </Button>
            <Button variant="secondary" size="sm" disabled={page >= pages - 1} onClick={() => setPage((p) => p + 1)}>
              Next
            </Button>
          </div>
        </nav>
      )}

      <ConfirmDialog
        open={confirmDelete !== null}
        title="Delete this task?"
        confirmLabel="Delete task"
        onCancel={() => setConfirmDelete(null)}
        onConfirm={() => {
          const t = confirmDelete;
          setConfirmDelete(null);
          if (!t) return;
          const at = state.items.findIndex((x) => x.id === t.id);
          void remove(t);
          setFocusAt(Math.max(0, at));
        }}
      >
        <p>
          “<span className="break">{confirmDelete?.title}</span>” will be gone for good.
        </p>
      </ConfirmDialog>
    </div>
  );
}
