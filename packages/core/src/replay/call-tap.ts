import type { CallTransaction } from "@threadspace/host";
import type { CallVars } from "./call-vars.ts";

/**
 * Told by the runner when a recorded or replayed call starts running on its instance, with the
 * call's transaction (undefined for a plugin that imports no host functions): it sets itself as
 * `tx.tap` to see or serve the call's host calls; told again when the call ends.
 */
export interface CallTap {
  begin(tx: CallTransaction | undefined): void;
  /** The call's Extism vars: recorded, or served from a trace (undefined: the instance's own). */
  readonly vars?: CallVars | undefined;
  /** The call settled (its writes committed or dropped), before the plugin's next call starts. */
  end(): void;
}
