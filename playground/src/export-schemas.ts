/**
 * An installed plugin's exports as the engine describes them: names, and (when plugin.json's
 * `exports` declares them, issue 13) a description and input/output schemas. Reads both shapes
 * the engine has had: a list of names, and a list of `{ name, description?, input?, output? }`.
 */
import type { PluginInfo } from "@threadspace/core";
import type { Schema } from "./widgets/schema-plan.ts";

type ExportEntry = string | { readonly name: string; readonly description?: string; readonly input?: unknown; readonly output?: unknown };

const entries = (info: PluginInfo): readonly ExportEntry[] => info.exports as readonly ExportEntry[];
const nameOf = (entry: ExportEntry): string => (typeof entry === "string" ? entry : entry.name);

/** The names of the plugin's exports, in the module's order. */
export function exportNames(info: PluginInfo): string[] {
  return entries(info).map(nameOf);
}

/** What plugin.json says about one export (undefined when it says nothing). */
export function exportSchema(info: PluginInfo, name: string): { readonly description?: string; readonly input?: Schema; readonly output?: Schema } | undefined {
  const entry = entries(info).find((candidate) => nameOf(candidate) === name);
  if (entry === undefined || typeof entry === "string") return undefined;
  const asSchema = (value: unknown): Schema | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Schema) : undefined);
  const input = asSchema(entry.input);
  const output = asSchema(entry.output);
  return { ...(entry.description === undefined ? {} : { description: entry.description }), ...(input === undefined ? {} : { input }), ...(output === undefined ? {} : { output }) };
}
