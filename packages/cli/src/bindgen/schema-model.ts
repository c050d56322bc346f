import type { ExportSchema, PayloadEncoding, PayloadSchema, PluginManifest } from "@threadspace/manifest";

/** A JSON Schema node as plugin.json holds it (an object, or `true`/`false`). */
export type SchemaNode = Readonly<Record<string, unknown>> | boolean;

/** One side of an export, ready for a generator: how it travels and its schema (undefined: not declared). */
export interface Payload {
  readonly encoding: PayloadEncoding;
  readonly schema: PayloadSchema;
}

/** One declared export, for a generator. */
export interface BoundExport {
  readonly name: string;
  readonly description: string | undefined;
  readonly input: Payload | undefined;
  readonly output: Payload | undefined;
}

/** The exports plugin.json declares, in its order. */
export function boundExports(manifest: PluginManifest): BoundExport[] {
  const declared: Readonly<Record<string, ExportSchema>> = manifest.exports ?? {};
  return Object.entries(declared).map(([name, entry]) => ({
    name,
    description: entry.description,
    input: entry.input === undefined ? undefined : { encoding: entry.input.encoding ?? "json", schema: entry.input },
    output: entry.output === undefined ? undefined : { encoding: entry.output.encoding ?? "json", schema: entry.output },
  }));
}

/** `memory-analyzer` → `MemoryAnalyzer`, `analyze_memory` → `AnalyzeMemory`. */
export function pascalCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
  const joined = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join("");
  return /^[0-9]/.test(joined) ? `_${joined}` : joined || "_";
}

/** `memory-analyzer` → `memoryAnalyzer`. */
export function camelCase(text: string): string {
  const pascal = pascalCase(text);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

/** `memory-analyzer` → `memory_analyzer` (C identifiers). */
export function snakeCase(text: string): string {
  const out = text.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toLowerCase();
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The schema a local `$ref` (`#/$defs/x`, `#/properties/a/items`) points at inside `root`, or undefined. */
export function resolveRef(root: SchemaNode, ref: string): SchemaNode | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const token = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else return undefined;
  }
  return typeof node === "boolean" || isObject(node) ? node : undefined;
}

/** The name a `$ref` to a definition gets (`#/$defs/term` → `term`), or undefined for other refs. */
export function definitionName(ref: string): string | undefined {
  const match = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
  return match === null ? undefined : decodeURIComponent(match[1]!).replace(/~1/g, "/").replace(/~0/g, "~");
}

/** The schema's `type` as a list (empty when it has none). */
export function typesOf(schema: SchemaNode): string[] {
  if (typeof schema === "boolean") return [];
  const type = schema["type"];
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : [];
}

/** A field of an object schema: its name, schema and whether it is required. */
export interface Field {
  readonly name: string;
  readonly schema: SchemaNode;
  readonly required: boolean;
}

/** The declared properties of an object schema, in order. */
export function fieldsOf(schema: SchemaNode): Field[] {
  if (typeof schema === "boolean") return [];
  const properties = schema["properties"];
  const required = Array.isArray(schema["required"]) ? (schema["required"] as unknown[]) : [];
  if (!isObject(properties)) return [];
  return Object.entries(properties)
    .filter((entry): entry is [string, SchemaNode] => typeof entry[1] === "boolean" || isObject(entry[1]))
    .map(([name, child]) => ({ name, schema: child, required: required.includes(name) }));
}

/** The schema's description, when it has one. */
export function descriptionOf(schema: SchemaNode): string | undefined {
  return typeof schema !== "boolean" && typeof schema["description"] === "string" ? schema["description"] : undefined;
}

/** Text made safe inside a block comment. */
export function commentText(text: string): string {
  return text.replace(/\*\//g, "*\\/").replace(/\r?\n/g, " ");
}
