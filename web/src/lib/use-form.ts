import { type ChangeEvent, type FormEvent, useCallback, useRef, useState } from "react";
import { type Errors, hasErrors, type Rules, validate } from "./validation";

export interface FormState<K extends string> {
  values: Record<K, string>;
  errors: Errors<K>;
  /** Props for an input bound to `key`: value, onChange, name, error. */
  field: (key: K) => {
    name: K;
    value: string;
    error: string | undefined;
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => void;
  };
  setValue: (key: K, value: string) => void;
  /**
   * Puts a server's verdict on one field (e.g. "The password is not correct." on the current
   * password; none: the form's alert already says it) and moves focus there, selecting its text
   * so it can be retyped at once.
   */
  fail: (key: K, message?: string) => void;
  setValues: (values: Record<K, string>) => void;
  /**
   * Returns a submit handler that validates first; with errors it focuses the first invalid
   * field and never calls `onValid`, so bad input cannot reach a server.
   */
  handleSubmit: (
    onValid: (values: Record<K, string>) => void | Promise<void>,
  ) => (e: FormEvent<HTMLFormElement>) => void;
}

/**
 * Form state with validation on submit; after a failed submit each change re-validates, so
 * messages disappear as soon as the input is fixed (and do not nag before the first attempt).
 */
export function useForm<K extends string>(
  initial: Record<K, string>,
  rules: (values: Record<K, string>) => Rules<K>,
): FormState<K> {
  const [values, setValuesState] = useState(initial);
  const [errors, setErrors] = useState<Errors<K>>({});
  const submitted = useRef(false);
  const formRef = useRef<HTMLFormElement | null>(null);
  const valuesRef = useRef(values);
  valuesRef.current = values;

  const setValue = useCallback(
    (key: K, value: string) => {
      const next = { ...valuesRef.current, [key]: value };
      valuesRef.current = next;
      setValuesState(next);
      if (submitted.current) setErrors(validate(next, rules(next)));
    },
    [rules],
  );

  const field = (key: K) => ({
    name: key,
    value: values[key],
    error: errors[key],
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) =>
      setValue(key, e.target.value),
  });

  const handleSubmit =
    (onValid: (values: Record<K, string>) => void | Promise<void>) =>
    (e: FormEvent<HTMLFormElement>): void => {
      e.preventDefault();
      formRef.current = e.currentTarget;
      submitted.current = true;
      const current = valuesRef.current;
      const found = validate(current, rules(current));
      setErrors(found);
      if (hasErrors(found)) {
        const first = Object.keys(rules(current)).find((k) => found[k as K]);
        const el = first ? e.currentTarget.querySelector<HTMLElement>(`[name="${first}"]`) : null;
        el?.focus();
        return;
      }
      void onValid(current);
    };

  const setValues = (v: Record<K, string>): void => {
    valuesRef.current = v;
    setValuesState(v);
    setErrors({});
    submitted.current = false;
  };

  const fail = (key: K, message?: string): void => {
    if (message) setErrors((prev) => ({ ...prev, [key]: message }));
    const el = formRef.current?.querySelector<HTMLInputElement>(`[name="${key}"]`);
    el?.focus();
    el?.select?.();
  };

  return { values, errors, field, setValue, setValues, handleSubmit, fail };
}
