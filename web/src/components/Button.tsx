import type { ComponentProps, ReactElement } from "react";
import { Spinner } from "./Spinner";

export interface ButtonProps extends ComponentProps<"button"> {
  variant?: "primary" | "secondary" | "danger" | "ghost";
  size?: "md" | "sm";
  block?: boolean;
  /**
   * Shows a spinner and blocks double submits. The button stays focusable (aria-disabled, not
   * disabled): a disabled button drops keyboard focus to <body>, and after the request the
   * person should still be where they acted.
   */
  loading?: boolean;
  /** Unavailable but keeps focus (aria-disabled; clicks ignored), e.g. during a countdown it started. */
  disabledFocusable?: boolean;
}

export function Button({
  variant = "primary",
  size = "md",
  block = false,
  loading = false,
  disabledFocusable = false,
  disabled,
  className,
  children,
  type = "button",
  onClick,
  ...rest
}: ButtonProps): ReactElement {
  const cls = ["btn", `btn-${variant}`, size === "sm" && "btn-sm", block && "btn-block", className]
    .filter(Boolean)
    .join(" ");
  return (
    <button
      type={type}
      className={cls}
      disabled={disabled}
      aria-disabled={loading || disabledFocusable || undefined}
      aria-busy={loading || undefined}
      onClick={(e) => {
        // A click while busy (also the implicit one from Enter in a form) does nothing, submits nothing.
        if (loading || disabledFocusable) return e.preventDefault();
        onClick?.(e);
      }}
      {...rest}
    >
      {loading && <Spinner />}
      {children}
    </button>
  );
}
