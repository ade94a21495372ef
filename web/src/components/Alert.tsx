import type { ReactElement, ReactNode } from "react";
import type { AppError } from "../lib/errors";
import { Icon, type IconName } from "./Icon";

export interface AlertProps {
  tone?: "error" | "success" | "info" | "warning";
  title?: string;
  children?: ReactNode;
}

const ICONS: Record<NonNullable<AlertProps["tone"]>, IconName> = {
  error: "alert",
  success: "check",
  info: "info",
  warning: "alert",
};

/** Errors interrupt (role=alert); everything else is announced politely (role=status). */
export function Alert({ tone = "info", title, children }: AlertProps): ReactElement {
  return (
    <div className={`alert alert-${tone}`} role={tone === "error" ? "alert" : "status"}>
      <Icon name={ICONS[tone]} />
      <div className="alert-body">
        {title && <div className="alert-title">{title}</div>}
        {children}
      </div>
    </div>
  );
}

/** The readable form of a failed request, with an optional follow-up (retry button, link). */
export function ErrorAlert({ error, children }: { error: AppError | null; children?: ReactNode }): ReactElement | null {
  if (!error) return null;
  return (
    <Alert tone="error">
      <p>{error.message}</p>
      {children}
    </Alert>
  );
}
