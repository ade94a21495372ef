import { LIMITS, maxLength, required } from "../../lib/validation";

/** The backend's limits (title 1–200 after trimming, description ≤ 2000). */
export const taskRules = () => ({
  title: [required("Title"), maxLength("Title", LIMITS.taskTitleMax)],
  description: [maxLength("Description", LIMITS.taskDescriptionMax)],
});
