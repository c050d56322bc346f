import type { EngineLogger } from "@threadspace/core";

/** An {@link EngineLogger} that prints nothing and keeps each warning and error as one line, for assertions. */
export interface QuietLogger extends EngineLogger {
  readonly warnings: string[];
  readonly errors: string[];
}

/**
 * A logger for engines under test: nothing on the console (tests that provoke failures would
 * flood it), warnings and errors kept.
 *
 * @example
 * const logger = quietLogger();
 * const engine = await createEngine({ logger });
 * expect(logger.warnings).toEqual([]);
 */
export function quietLogger(): QuietLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  const none = (): void => undefined;
  const line = (args: unknown[]): string => args.map(String).join(" ");
  return { warnings, errors, trace: none, debug: none, info: none, warn: (...args) => void warnings.push(line(args)), error: (...args) => void errors.push(line(args)) };
}
