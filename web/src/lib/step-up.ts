import { ErrorCode } from "../contract.gen";

/** The backend's answers that a second factor or a fresh sign-in would turn into a yes. */
export type StepUpCode = typeof ErrorCode.MFA_REQUIRED | typeof ErrorCode.REAUTHENTICATION_REQUIRED;

export const STEP_UP_CODES: ReadonlySet<string> = new Set([
  ErrorCode.MFA_REQUIRED,
  ErrorCode.REAUTHENTICATION_REQUIRED,
]);

type Prompt = (code: StepUpCode) => Promise<boolean>;
let prompt: Prompt | null = null;
let inFlight: Promise<boolean> | null = null;

/** The step-up dialog registers itself here (one per app); null when it unmounts. */
export function setStepUpPrompt(p: Prompt | null): void {
  prompt = p;
}

/**
 * Asks the person to prove themselves again (a code, or their password) for `code`; resolves true
 * once the session is stepped up, false if they cancel or no dialog is mounted. Concurrent
 * refusals share one prompt.
 */
export function requestStepUp(code: StepUpCode): Promise<boolean> {
  if (!prompt) return Promise.resolve(false);
  if (!inFlight) {
    inFlight = prompt(code).finally(() => {
      inFlight = null;
    });
  }
  return inFlight;
}
