import type { CaseOutcome } from "../support/vitest-shim.ts";

/** The prefix of the line contract-entry.ts prints per case (other output is the engine's or the runtime's). */
export const CASE_LINE = "@@case ";

/** How long one case may run in Deno or Bun before it fails: 20 s is vitest's testTimeout in Node; a loaded 2-core machine (the contract's 20,000-call cases in Bun) needs more. */
export const CASE_TIMEOUT_MS = 60_000;

/** One case's result, as contract-entry.ts prints it after CASE_LINE. */
export interface RuntimeCaseResult {
  readonly name: string;
  readonly outcome: CaseOutcome;
  readonly ms: number;
}
