import { act, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatWait, useCountdown } from "./use-countdown";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("useCountdown", () => {
  it("counts whole seconds down to 0", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { result } = renderHook(() => useCountdown(1_000_000 + 2_500));
    expect(result.current).toBe(3);
    act(() => vi.advanceTimersByTime(500));
    expect(result.current).toBe(2);
    act(() => vi.advanceTimersByTime(1_000));
    expect(result.current).toBe(1);
    act(() => vi.advanceTimersByTime(1_000));
    expect(result.current).toBe(0);
  });

  it("keeps counting when a timer fires before its whole second (it used to stop at 0:01 for good)", () => {
    // Timers are fake and the clock is set by hand, so a timer can fire while the clock says it is 1 ms early,
    // as Node's and browsers' timers sometimes do.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let clock = 2_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    const { result } = renderHook(() => useCountdown(2_000_000 + 1_000));
    expect(result.current).toBe(1);
    clock += 999;
    act(() => vi.advanceTimersByTime(1_000));
    expect(result.current).toBe(1);
    clock += 1;
    act(() => vi.advanceTimersByTime(1));
    expect(result.current).toBe(0);
  });

  it("is 0 without a deadline or past it", () => {
    expect(renderHook(() => useCountdown(null)).result.current).toBe(0);
    expect(renderHook(() => useCountdown(Date.now() - 1)).result.current).toBe(0);
  });
});

describe("formatWait", () => {
  it("reads minutes and seconds", () => {
    expect(formatWait(0)).toBe("0:00");
    expect(formatWait(4.2)).toBe("0:05");
    expect(formatWait(723)).toBe("12:03");
  });
});
