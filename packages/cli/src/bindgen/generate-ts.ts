import type { PluginManifest } from "@threadspace/manifest";
import { boundExports, commentText, definitionName, descriptionOf, fieldsOf, pascalCase, camelCase, resolveRef, typesOf, type Payload, type SchemaNode } from "./schema-model.ts";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Deepest nesting written inline; deeper parts become `unknown` (schemas are bounded, this keeps output readable). */
const MAX_DEPTH = 32;

/** Writes TypeScript types for one root schema; `$ref`s to its `$defs` become named types. */
class TsTypes {
  readonly #root: SchemaNode;
  readonly #prefix: string;
  /** Named definitions written so far (name → declaration). */
  readonly named = new Map<string, string>();

  constructor(root: SchemaNode, prefix: string) {
    this.#root = root;
    this.#prefix = prefix;
  }

  type(schema: SchemaNode, depth = 0): string {
    if (schema === true) return "unknown";
    if (schema === false) return "never";
    if (depth > MAX_DEPTH) return "unknown";
    const ref = schema["$ref"];
    if (typeof ref === "string") return this.#ref(ref, depth);
    if (Object.hasOwn(schema, "const")) return JSON.stringify(schema["const"]) ?? "unknown";
    const values = schema["enum"];
    if (Array.isArray(values)) return values.map((value) => JSON.stringify(value) ?? "unknown").join(" | ") || "never";
    const parts: string[] = [];
    const union = (schema["anyOf"] ?? schema["oneOf"]) as unknown;
    if (Array.isArray(union)) parts.push(`(${union.map((branch) => this.type(branch as SchemaNode, depth + 1)).join(" | ")})`);
    const all = schema["allOf"];
    if (Array.isArray(all)) parts.push(...all.map((branch) => `(${this.type(branch as SchemaNode, depth + 1)})`));
    const base = this.#base(schema, depth);
    if (base !== undefined) parts.unshift(base);
    return parts.length === 0 ? "unknown" : parts.length === 1 ? parts[0]! : parts.join(" & ");
  }

  #ref(ref: string, depth: number): string {
    const target = resolveRef(this.#root, ref);
    if (target === undefined) return "unknown";
    const name = definitionName(ref);
    if (name === undefined) return this.type(target, depth + 1);
    const typeName = `${this.#prefix}${pascalCase(name)}`;
    if (!this.named.has(typeName)) {
      this.named.set(typeName, ""); // reserved first: the manifest refuses cycles, this guards anyway
      // Written at the top level (depth 0): the manifest refuses $ref cycles, so this ends.
      this.named.set(typeName, this.type(target, 0));
    }
    return typeName;
  }

  /** The type from `type`, `properties` and `items`; undefined when the schema says nothing about them. */
  #base(schema: Readonly<Record<string, unknown>>, depth: number): string | undefined {
    let types = typesOf(schema);
    if (types.length === 0 && (schema["properties"] !== undefined || schema["additionalProperties"] !== undefined)) types = ["object"];
    if (types.length === 0 && (schema["items"] !== undefined || schema["prefixItems"] !== undefined)) types = ["array"];
    if (types.length === 0) return undefined;
    const written = types.map((type) => {
      switch (type) {
        case "string":
          return "string";
        case "number":
        case "integer":
          return "number";
        case "boolean":
          return "boolean";
        case "null":
          return "null";
        case "array":
          return this.#array(schema, depth);
        case "object":
          return this.#object(schema, depth);
        default:
          return "unknown";
      }
    });
    return written.length === 1 ? written[0] : `(${written.join(" | ")})`;
  }

  #array(schema: Readonly<Record<string, unknown>>, depth: number): string {
    const prefix = schema["prefixItems"];
    if (Array.isArray(prefix)) return `[${prefix.map((item) => this.type(item as SchemaNode, depth + 1)).join(", ")}, ...unknown[]]`;
    const items = schema["items"];
    const item = items === undefined ? "unknown" : this.type(items as SchemaNode, depth + 1);
    return `Array<${item}>`;
  }

  #object(schema: Readonly<Record<string, unknown>>, depth: number): string {
    const fields = fieldsOf(schema);
    const extra = schema["additionalProperties"];
    const indent = "  ".repeat(depth + 1);
    const lines = fields.map((field) => {
      const doc = descriptionOf(field.schema);
      const key = IDENTIFIER.test(field.name) ? field.name : JSON.stringify(field.name);
      return `${doc === undefined ? "" : `${indent}/** ${commentText(doc)} */\n`}${indent}${key}${field.required ? "" : "?"}: ${this.type(field.schema, depth + 1)};`;
    });
    if (fields.length === 0 && extra !== false) {
      const value = extra === undefined || extra === true ? "unknown" : this.type(extra as SchemaNode, depth + 1);
      return `Record<string, ${value}>`;
    }
    return lines.length === 0 ? "Record<string, never>" : `{\n${lines.join("\n")}\n${"  ".repeat(depth)}}`;
  }
}

/** The TypeScript type of a payload: text is `string`, bytes `Uint8Array`, JSON its schema's type; undeclared: `fallback`. */
function payloadType(payload: Payload | undefined, types: TsTypes, fallback: string): string {
  if (payload === undefined) return fallback;
  if (payload.encoding === "text") return "string";
  if (payload.encoding === "bytes") return "Uint8Array";
  return types.type(payload.schema);
}

/**
 * TypeScript for embedders from plugin.json's `exports`: a type per input and output, an
 * `<Name>Exports` interface for `typedPlugin<...>`, the encodings, and a `<name>Plugin(engine)`
 * client (`threadspace bindgen <dir> --lang ts`).
 */
export function generateTs(manifest: PluginManifest, command: string): string {
  const prefix = pascalCase(manifest.name);
  const exports = boundExports(manifest);
  const out: string[] = [
    `// Generated by \`${command}\` from ${manifest.name}@${manifest.version}'s plugin.json "exports". Do not edit: run it again.`,
    "", // the import, once it is known which types are used
    "",
  ];
  const members: string[] = [];
  const encodings: string[] = [];
  for (const entry of exports) {
    const base = `${prefix}${pascalCase(entry.name)}`;
    for (const [side, payload, fallback] of [["Input", entry.input, "CallInput"], ["Output", entry.output, "CallResult"]] as const) {
      const types = new TsTypes(payload?.schema ?? true, `${base}${side}`);
      const type = payloadType(payload, types, fallback);
      for (const [name, declaration] of types.named) out.push(`export type ${name} = ${declaration};`, "");
      const doc = payload === undefined ? undefined : descriptionOf(payload.schema);
      if (doc !== undefined) out.push(`/** ${commentText(doc)} */`);
      out.push(`export type ${base}${side} = ${type};`, "");
    }
    const doc = entry.description === undefined ? "" : `  /** ${commentText(entry.description)} */\n`;
    members.push(`${doc}  ${entry.name}: { input: ${base}Input; output: ${base}Output };`);
    const sides = [entry.input === undefined ? "" : `input: "${entry.input.encoding}"`, entry.output === undefined ? "" : `output: "${entry.output.encoding}"`].filter((s) => s !== "");
    encodings.push(`  ${entry.name}: { ${sides.join(", ")} },`);
  }
  const fallbacks = ["CallInput", "CallResult"].filter((name) => out.some((line) => line.endsWith(` = ${name};`)));
  out[1] = `import { typedPlugin, ${[...fallbacks, "CallingEngine", "ExportEncodings", "TypedPlugin"].map((name) => `type ${name}`).join(", ")} } from "@threadspace/core";`;
  out.push(
    `/** ${manifest.name}'s exports, for \`typedPlugin<${prefix}Exports>(engine, ${JSON.stringify(manifest.name)})\`. */`,
    `export interface ${prefix}Exports {`,
    ...members,
    "}",
    "",
    `/** How each export's input and output travel (plugin.json "encoding"). */`,
    `export const ${camelCase(manifest.name)}Encodings: ExportEncodings = {`,
    ...encodings,
    "};",
    "",
    `/** A typed client for ${manifest.name}: \`await ${camelCase(manifest.name)}Plugin(engine).${exports[0]?.name ?? "someExport"}(input)\`. */`,
    `export function ${camelCase(manifest.name)}Plugin(engine: CallingEngine, name = ${JSON.stringify(manifest.name)}): TypedPlugin<${prefix}Exports> {`,
    `  return typedPlugin<${prefix}Exports>(engine, name, ${camelCase(manifest.name)}Encodings);`,
    "}",
    "",
  );
  return out.join("\n");
}
