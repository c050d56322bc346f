import type { PayloadSchema, PluginManifest } from "@threadspace/manifest";

/**
 * One function a plugin exports, as `engine.get(name).exports` lists it: its name and, when
 * plugin.json's `exports` describes it, its description and the full input and output schemas
 * (JSON Schema plus `encoding`; docs/exports.md), for forms and generated bindings.
 */
export interface ExportInfo {
  readonly name: string;
  readonly description?: string;
  readonly input?: PayloadSchema;
  readonly output?: PayloadSchema;
}

/** The module's function exports, in its order, each with what plugin.json says about it. */
export function describeExports(manifest: PluginManifest, wasmExports: readonly string[]): ExportInfo[] {
  const declared = manifest.exports;
  return wasmExports.map((name) => {
    const entry = declared !== undefined && Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (entry === undefined) return { name };
    return {
      name,
      ...(entry.description === undefined ? {} : { description: entry.description }),
      ...(entry.input === undefined ? {} : { input: entry.input }),
      ...(entry.output === undefined ? {} : { output: entry.output }),
    };
  });
}
