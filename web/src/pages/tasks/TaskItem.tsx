import { type ReactElement, useEffect, useId, useRef, useState } from "react";
import { Button } from "../../components/Button";
import { TextAreaField, TextField } from "../../components/Field";
import type { Task } from "../../lib/backend";
import { useForm } from "../../lib/use-form";
import { taskRules } from "./task-rules";

export interface TaskItemProps {
  task: Task;
  busy: boolean;
  onToggle: (task: Task) => void;
  onSave: (task: Task, title: string, description: string | null) => Promise<boolean>;
  onDelete: (task: Task) => void;
}

function EditForm({
  task,
  onDone,
  onSave,
}: {
  task: Task;
  onDone: () => void;
  onSave: TaskItemProps["onSave"];
}): ReactElement {
  const form = useForm({ title: task.title, description: task.description ?? "" }, taskRules);
  return (
    <form
      className="task-form"
      style={{ flex: 1 }}
      noValidate
      aria-label={`Edit “${task.title}”`}
      onKeyDown={(e) => {
        if (e.key === "Escape") onDone();
      }}
      onSubmit={form.handleSubmit(async (v) => {
        onDone(); // optimistic: the list shows the new text at once
        await onSave(task, v.title.trim(), v.description.trim() || null);
      })}
    >
      <TextField label="Title" autoFocus {...form.field("title")} />
      <TextAreaField label="Description" rows={2} {...form.field("description")} />
      <div className="row">
        <Button type="submit" size="sm">
          Save
        </Button>
        <Button variant="secondary" size="sm" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

export function TaskItem({ task, busy, onToggle, onSave, onDelete }: TaskItemProps): ReactElement {
  const [editing, setEditing] = useState(false);
  const editRef = useRef<HTMLButtonElement>(null);
  // Leaving the edit form (save, Cancel, Esc) puts focus back on the Edit button it came from.
  const returnFocus = useRef(false);
  useEffect(() => {
    if (!editing && returnFocus.current) {
      returnFocus.current = false;
      editRef.current?.focus();
    }
  }, [editing]);
  const checkId = useId();
  const temp = task.id.startsWith("temp-");
  return (
    <li
      className={`task ${task.completed ? "task-done" : ""} ${busy ? "task-pending" : ""}`}
      aria-busy={busy || undefined}
    >
      {editing ? (
        <EditForm
          task={task}
          onSave={onSave}
          onDone={() => {
            returnFocus.current = true;
            setEditing(false);
          }}
        />
      ) : (
        <>
          <input
            id={checkId}
            className="task-check"
            type="checkbox"
            checked={task.completed}
            disabled={temp}
            onChange={() => onToggle(task)}
          />
          <div className="task-main">
            <label htmlFor={checkId} className="task-title">
              {task.title}
            </label>
            {task.description && <p className="task-desc">{task.description}</p>}
          </div>
          <div className="task-actions">
            <Button
              ref={editRef}
              variant="ghost"
              size="sm"
              disabled={temp}
              onClick={() => setEditing(true)}
              aria-label={`Edit “${task.title}”`}
            >
              Edit
            </Button>
            <Button
              variant="ghost"
              size="sm"
              disabled={temp}
              onClick={() => onDelete(task)}
              aria-label={`Delete “${task.title}”`}
            >
              Delete
            </Button>
          </div>
        </>
      )}
    </li>
  );
}
