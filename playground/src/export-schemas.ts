/**
 * An installed plugin's exports as the engine describes them (`engine.get(name).exports`): each
 * name with, when plugin.json's `exports` declares them, a description and input/output schemas
 * (docs/exports.md). The Call tab builds its form from the input schema.
 */
import type { PluginInfo } from "@threadspace/core";
import type { Schema } from "./widgets/schema-plan.ts";

/** The names of the plugin's exports, in the module's order. */
export function exportNames(info: PluginInfo): string[] {
  return info.exports.map((entry) => entry.name);
}

const asSchema = (value: unknown): Schema | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Schema) : undefined);

/** What plugin.json says about one export (undefined when it says nothing). */
export function exportSchema(info: PluginInfo, name: string): { readonly description?: string; readonly input?: Schema; readonly output?: Schema } | undefined {
  const entry = info.exports.find((candidate) => candidate.name === name);
  if (entry === undefined) return undefined;
  const input = asSchema(entry.input);
  const output = asSchema(entry.output);
  return { ...(entry.description === undefined ? {} : { description: entry.description }), ...(input === undefined ? {} : { input }), ...(output === undefined ? {} : { output }) };
}
