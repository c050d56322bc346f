import { isThreadspaceError, type ThreadspaceError } from "@threadspace/errors";
import { classifyExtismError, guestError } from "../isolation/extism-errors.ts";

/**
 * The engine's typed error for what a call threw. Instances already reject with typed errors
 * (isolation/extism-errors.ts turns Extism's into them); anything else that reaches the runner
 * is classified the same way, so no caller ever sees a foreign error.
 */
export function translateCallError(cause: unknown, plugin: string, exportName: string): ThreadspaceError {
  if (isThreadspaceError(cause)) return cause;
  return guestError(classifyExtismError(cause), plugin, exportName, cause);
}
