import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Engine } from "@threadspace/core";
import { isThreadspaceError } from "@threadspace/errors";
import type { CliIo } from "../io.ts";
import { replayLines } from "../trace-report.ts";
import { readTraceFile, replayOn } from "./replay.ts";

/** The folder of regression traces `threadspace test` replays: `<dir>/tests/traces/*.tstrace`. */
export function tracesDir(dir: string): string {
  return join(dir, "tests", "traces");
}

/**
 * Replays every `tests/traces/*.tstrace` of a plugin on it (in name order), reporting each as a
 * check: it passes when the replay is the same as the recording (host requests, output or error,
 * fuel), each on a freshly loaded instance. A trace that cannot be read fails its check with the reason.
 */
export async function checkTraces(io: CliIo, engine: Engine, plugin: string, dir: string, report: (ok: boolean, what: string, why?: string) => void): Promise<void> {
  const folder = tracesDir(dir);
  if (!existsSync(folder)) return;
  const files = (await readdir(folder)).filter((file) => file.endsWith(".tstrace")).sort();
  for (const file of files) {
    const what = `trace ${file}`;
    try {
      const trace = await readTraceFile(io, join(folder, file));
      // A fresh instance (init_plugin again), as `threadspace call --record` recorded it: fuel
      // and output can depend on what earlier calls left in the guest's memory.
      await engine.unload(plugin);
      await engine.load(plugin);
      const result = await replayOn(engine, trace, plugin);
      report(result.same, `${what}: ${trace.export}${result.fuel === undefined ? "" : ` (fuel ${result.fuel})`}`, result.same ? undefined : replayLines(result).join("\n    "));
    } catch (error) {
      report(false, what, isThreadspaceError(error) ? `[${error.code}] ${error.message}` : String(error));
    }
  }
}
