import type { CaseOutcome } from "../support/vitest-shim.ts";

/** The prefix of the line contract-entry.ts prints per case (other output is the engine's or the runtime's). */
export const CASE_LINE = "@@case ";

/** How long one case may run in Deno or Bun before it fails (vitest's testTimeout for the node project is 20 s). */
export const CASE_TIMEOUT_MS = 30_000;

/** One case's result, as contract-entry.ts prints it after CASE_LINE. */
export interface RuntimeCaseResult {
  readonly name: string;
  readonly outcome: CaseOutcome;
  readonly ms: number;
}
