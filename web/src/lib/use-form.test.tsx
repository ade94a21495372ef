import { fireEvent, render, screen } from "@testing-library/react";
import type { ReactElement } from "react";
import { TextField } from "../components/Field";
import { useForm } from "./use-form";
import { email, matches, password } from "./validation";

function SignUpForm({ onValid }: { onValid: (v: Record<string, string>) => void }): ReactElement {
  const form = useForm({ email: "", password: "", confirm: "" }, (v) => ({
    email: [email],
    password: [password],
    confirm: [matches(() => v.password)],
  }));
  return (
    <form noValidate onSubmit={form.handleSubmit(onValid)}>
      <TextField label="Email" {...form.field("email")} />
      <TextField label="Password" type="password" {...form.field("password")} />
      <TextField label="Confirm" type="password" {...form.field("confirm")} />
      <button type="submit">Go</button>
    </form>
  );
}

describe("useForm", () => {
  it("never calls the submit handler with invalid input, and focuses the first bad field", () => {
    const onValid = vi.fn();
    render(<SignUpForm onValid={onValid} />);
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "long enough pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    expect(onValid).not.toHaveBeenCalled();
    expect(screen.getByText("Email is required.")).toBeInTheDocument();
    expect(screen.getByText("Passwords don't match.")).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveFocus();
    expect(screen.getByLabelText("Email")).toHaveAttribute("aria-invalid", "true");
    // The message is tied to the field for screen readers.
    const describedBy = screen.getByLabelText("Email").getAttribute("aria-describedby") ?? "";
    expect(document.getElementById(describedBy)?.textContent).toBe("Email is required.");
  });

  it("clears messages as the input is fixed, then submits the values", () => {
    const onValid = vi.fn();
    render(<SignUpForm onValid={onValid} />);
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "a@b.co" } });
    expect(screen.queryByText("Email is required.")).not.toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "long enough pw" } });
    fireEvent.change(screen.getByLabelText("Confirm"), { target: { value: "long enough pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    expect(onValid).toHaveBeenCalledWith({ email: "a@b.co", password: "long enough pw", confirm: "long enough pw" });
  });

  it("does not nag before the first submit", () => {
    render(<SignUpForm onValid={vi.fn()} />);
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "nope" } });
    expect(screen.queryByText(/valid email/)).not.toBeInTheDocument();
  });
});
