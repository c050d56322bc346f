import { ThreadspaceError } from "@threadspace/errors";
import { METER_MODULE } from "./fuel-meter.ts";
import { METER_SECTION } from "../metering/meter-section.ts";


/**
 * What the engine does with a precompiled `WebAssembly.Module` (workerd) that was not metered at
 * build time: `"refuse"` it (`wasm_invalid`, naming the command that meters it), or `"allow"` it
 * to run unmetered, with a line in `engine.get(name).limitNotes` (no timeout, no fuel limit).
 */
export type UnmeteredPolicy = "refuse" | "allow";

/** `createEngine({ metering })`. */
export interface MeteringOptions {
  /**
   * Precompiled modules that were not metered at build time (`threadspace cap --fuel`). Default
   * `"refuse"` when the host's policy sets a fuel ceiling (`limits.fuel`: it requires budgets),
   * else `"allow"` with a note.
   */
  readonly unmetered?: UnmeteredPolicy;
}

/** True when a compiled module was metered by Threadspace's rewrite (its custom section and its imports). */
export function isMetered(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.customSections(module, METER_SECTION).length > 0 && WebAssembly.Module.imports(module).some((i) => i.module === METER_MODULE);
}

/**
 * Decides about a precompiled module: metered → no note; not metered → refused or noted by
 * policy. Returns the notes for `limitNotes`.
 */
export function precompiledMetering(module: WebAssembly.Module, plugin: string, options: MeteringOptions | undefined, hostFuel: number | undefined): string[] {
  if (isMetered(module)) return [];
  const policy = options?.unmetered ?? (hostFuel === undefined ? "allow" : "refuse");
  if (policy === "refuse") {
    throw new ThreadspaceError(
      "wasm_invalid",
      `the precompiled WebAssembly.Module was not metered, and this engine requires metered plugins (${options?.unmetered === "refuse" ? 'metering.unmetered is "refuse"' : "its policy sets limits.fuel"}). Meter the .wasm before bundling it: \`threadspace cap <bundle> --fuel --out <file.wasm>\` (or \`threadspace build --fuel\`), then import that file.`,
      { plugin },
    );
  }
  return [
    `fuel: not metered, because the plugin was installed as a precompiled WebAssembly.Module that was not metered at build time: no fuel limit holds, timeoutMs cannot stop a call that loops inline, and one that loops in a pool worker is stopped only by terminating that worker (its other plugins restart). Meter the .wasm before bundling it (\`threadspace cap <bundle> --fuel --out <file.wasm>\`), or set createEngine({ metering: { unmetered: "refuse" } }) to refuse such modules`,
  ];
}
