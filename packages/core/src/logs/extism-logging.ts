import type { LogLevel, LogStore, LogThreshold } from "@threadspace/host";

/** A namespace no module imports: Extism binds its functions to the call context, which we keep. */
const CAPTURE_NAMESPACE = "threadspace:internal";

/** The part of Extism's CallContext used here. */
interface LevelledContext {
  logLevel: LogThreshold;
}

function isLevelledContext(value: unknown): value is LevelledContext {
  return typeof value === "object" && value !== null && "logLevel" in value;
}

/** What {@link extismLogging} gives `createPlugin`, and the step to take once it returned. */
export interface ExtismLogging {
  /** Extism's `logger`: kernel logs (`log_info`, ..., AssemblyScript aborts) go into the plugin's log. */
  readonly logger: Console;
  /** Extism's `logLevel`: everything; the plugin's log filters (and {@link bind} narrows it). */
  readonly logLevel: "trace";
  /** Extra host-function namespaces to pass to `createPlugin` (never imported by the module). */
  readonly functions: Record<string, Record<string, (...args: never[]) => unknown>>;
  /**
   * After `createPlugin`: keeps Extism's own level (what `get_log_level` tells PDKs, and the
   * filter of its log functions) equal to the plugin's level, now and after every change.
   */
  bind(): void;
}

/**
 * Routes a plugin's Extism kernel logs into its ring buffer in `logs` (source `extism`), filtered
 * by the plugin's live level.
 *
 * Extism's CallContext owns the level its log functions filter with and has no public handle.
 * @extism/extism binds every host function to the context (`fn.bind(null, context)`) while it
 * creates the plugin; a function in a namespace no module imports, whose `bind` records the
 * context, hands it over. If a future SDK stops doing so, Extism stays at `trace` and the
 * plugin's log still filters: only PDKs' `get_log_level` then reports `trace`.
 */
export function extismLogging(plugin: string, logs: LogStore): ExtismLogging {
  let context: LevelledContext | undefined;
  const write = (level: LogLevel) => (...args: unknown[]): void => {
    logs.append(plugin, level, args.map((arg) => (typeof arg === "string" ? arg : String(arg))).join(" "), undefined, "extism");
  };
  // Extism's option is typed as a whole Console and calls only its five levels: those write to the
  // plugin's log; anything else a future SDK might call falls through to the console.
  // The console as prototype, not spread: copying its ~25 members cost every install ~2% of its time.
  const logger: Console = Object.assign(Object.create(console) as Console, { trace: write("trace"), debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), log: write("info") });
  const capture = function captureContext(): void {};
  Object.defineProperty(capture, "bind", {
    value(this: unknown, thisArg: unknown, ...args: unknown[]) {
      if (isLevelledContext(args[0])) context = args[0];
      return Function.prototype.bind.call(capture, thisArg, ...args);
    },
  });
  return {
    logger,
    logLevel: "trace",
    functions: { [CAPTURE_NAMESPACE]: { context: capture } },
    bind() {
      const bound = context;
      if (bound === undefined) return;
      logs.bindLevel(plugin, (level) => {
        bound.logLevel = level;
      });
    },
  };
}
