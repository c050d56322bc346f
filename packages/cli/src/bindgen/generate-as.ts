import type { PluginManifest } from "@threadspace/manifest";
import { boundExports, camelCase, commentText, definitionName, descriptionOf, fieldsOf, pascalCase, resolveRef, typesOf, type Payload, type SchemaNode } from "./schema-model.ts";

/** How one schema maps to AssemblyScript: its type, a default, and how to read it from / write it to JSON. */
interface AsType {
  readonly type: string;
  readonly init: string;
  /** An expression reading the JsonValue `value` as this type. */
  read(value: string): string;
  /** An expression writing `value` of this type as JSON text. */
  write(value: string): string;
}

const RESERVED = new Set(["abstract", "as", "break", "case", "catch", "class", "const", "continue", "default", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "let", "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "type", "typeof", "var", "void", "while", "with", "yield", "string", "i32", "i64", "f64", "bool"]);

function fieldName(name: string): string {
  const camel = camelCase(name);
  return RESERVED.has(camel) ? `${camel}_` : camel;
}

const JSON_VALUE: AsType = { type: "JsonValue", init: "JsonValue.null()", read: (v) => v, write: (v) => `${v}.toJson()` };
const SCALARS: Record<string, AsType> = {
  string: { type: "string", init: '""', read: (v) => `${v}.asString()`, write: (v) => `Json.quote(${v})` },
  integer: { type: "i64", init: "0", read: (v) => `${v}.asInt()`, write: (v) => `${v}.toString()` },
  number: { type: "f64", init: "0", read: (v) => `${v}.asNumber()`, write: (v) => `Json.stringify<f64>(${v})` },
  boolean: { type: "bool", init: "false", read: (v) => `${v}.asBool()`, write: (v) => `(${v} ? "true" : "false")` },
};
const NULLABLE_STRING: AsType = { type: "string | null", init: "null", read: (v) => `${v}.asStringOrNull()`, write: (v) => `Json.stringify<string | null>(${v})` };

/** Writes AssemblyScript classes for one root schema. */
class AsClasses {
  readonly #root: SchemaNode;
  readonly classes: string[] = [];
  readonly #made = new Map<string, AsType>();

  constructor(root: SchemaNode) {
    this.#root = root;
  }

  map(schema: SchemaNode, name: string, depth = 0): AsType {
    if (typeof schema === "boolean" || depth > 16) return JSON_VALUE;
    const ref = schema["$ref"];
    if (typeof ref === "string") {
      const target = resolveRef(this.#root, ref);
      const defined = definitionName(ref);
      return target === undefined ? JSON_VALUE : this.map(target, defined === undefined ? name : pascalCase(defined), depth + 1);
    }
    if (schema["anyOf"] !== undefined || schema["oneOf"] !== undefined || schema["allOf"] !== undefined || schema["enum"] !== undefined || Object.hasOwn(schema, "const")) {
      const values = schema["enum"];
      if (Array.isArray(values) && values.every((value) => typeof value === "string")) return SCALARS["string"]!;
      return JSON_VALUE;
    }
    let types = typesOf(schema);
    if (types.length === 0 && schema["properties"] !== undefined) types = ["object"];
    if (types.length === 2 && types.includes("null") && types.includes("string")) return NULLABLE_STRING;
    if (types.length !== 1) return JSON_VALUE;
    const [type] = types as [string];
    if (Object.hasOwn(SCALARS, type)) return SCALARS[type]!;
    if (type === "array") {
      const items = schema["items"];
      if (items === undefined || typeof items === "boolean") return JSON_VALUE;
      const item = this.map(items as SchemaNode, `${name}Item`, depth + 1);
      return {
        type: `Array<${item.type}>`,
        init: `new Array<${item.type}>()`,
        read: (v) => `${v}.asArray().map<${item.type}>((e: JsonValue): ${item.type} => ${item.read("e")})`,
        write: (v) => `"[" + ${v}.map<string>((e: ${item.type}): string => ${item.write("e")}).join(",") + "]"`,
      };
    }
    if (type === "object" && fieldsOf(schema).length > 0) return this.#class(schema, name, depth);
    return JSON_VALUE;
  }

  #class(schema: Readonly<Record<string, unknown>>, name: string, depth: number): AsType {
    const known = this.#made.get(name);
    if (known !== undefined) return known;
    const made: AsType = { type: name, init: `new ${name}()`, read: (v) => `${name}.fromJson(${v})`, write: (v) => `${v}.toJson()` };
    this.#made.set(name, made);
    const fields = fieldsOf(schema).map((field) => ({ ...field, id: fieldName(field.name), as: this.map(field.schema, `${name}${pascalCase(field.name)}`, depth + 1) }));
    const doc = descriptionOf(schema);
    this.classes.push(
      [
        ...(doc === undefined ? [] : [`/** ${commentText(doc)} */`]),
        `export class ${name} {`,
        ...fields.flatMap((field) => {
          const about = descriptionOf(field.schema);
          return [...(about === undefined ? [] : [`  /** ${commentText(about)}${field.required ? "" : " (optional: the default when absent)"} */`]), `  ${field.id}: ${field.as.type} = ${field.as.init};`];
        }),
        "",
        "  /** Reads it from a parsed JSON value (missing members keep their defaults). */",
        `  static fromJson(value: JsonValue): ${name} {`,
        `    const out = new ${name}();`,
        ...fields.map((field) => `    if (value.has(${JSON.stringify(field.name)})) out.${field.id} = ${field.as.read(`value.get(${JSON.stringify(field.name)})`)};`),
        "    return out;",
        "  }",
        "",
        "  /** Its JSON text. */",
        "  toJson(): string {",
        "    return new JsonObject()",
        ...fields.map((field) => `      .setRaw(${JSON.stringify(field.name)}, ${field.as.write(`this.${field.id}`)})`),
        "      .toString();",
        "  }",
        "}",
      ].join("\n"),
    );
    return made;
  }
}

function readFunction(exportName: string, payload: Payload, classes: AsClasses, base: string): string[] {
  const fn = `read${pascalCase(exportName)}Input`;
  if (payload.encoding === "text") return [`/** ${exportName}'s input as text (the host checked it against plugin.json). */`, `export function ${fn}(): string {`, "  return inputText();", "}"];
  if (payload.encoding === "bytes") return [`/** ${exportName}'s input bytes. */`, `export function ${fn}(): Uint8Array {`, "  return inputBytes();", "}"];
  const type = classes.map(payload.schema, base);
  return [
    `/** ${exportName}'s input, parsed (the host checked it against plugin.json's schema before the call); null only when it is not JSON (Json.lastError() says why). */`,
    `export function ${fn}(): ${type.type} | null {`,
    "  const value = inputJson();",
    "  if (value === null) return null;",
    `  return ${type.read("value")};`,
    "}",
  ];
}

function writeFunction(exportName: string, payload: Payload, classes: AsClasses, base: string): string[] {
  const fn = `write${pascalCase(exportName)}Output`;
  if (payload.encoding === "text") return [`/** Sets ${exportName}'s output text (UTF-8). */`, `export function ${fn}(text: string): void {`, "  output(text);", "}"];
  if (payload.encoding === "bytes") return [`/** Sets ${exportName}'s output bytes. */`, `export function ${fn}(bytes: Uint8Array): void {`, "  outputBytes(bytes);", "}"];
  const type = classes.map(payload.schema, base);
  return [`/** Sets ${exportName}'s output as JSON. */`, `export function ${fn}(value: ${type.type}): void {`, `  output(${type.write("value")});`, "}"];
}

/**
 * AssemblyScript for plugin authors from plugin.json's `exports`: a class per object schema
 * (`fromJson`, `toJson`, on @threadspace/pdk-as's Json), and `read<Export>Input()` /
 * `write<Export>Output()` per export (`threadspace bindgen <dir> --lang as`). Schemas it cannot
 * type (unions, maps) stay `JsonValue`.
 */
export function generateAs(manifest: PluginManifest, command: string): string {
  const functions: string[] = [];
  const classes: string[] = [];
  for (const entry of boundExports(manifest)) {
    for (const [side, payload] of [["Input", entry.input], ["Output", entry.output]] as const) {
      if (payload === undefined) continue;
      const model = new AsClasses(payload.schema);
      const base = `${pascalCase(entry.name)}${side}`;
      functions.push(...(side === "Input" ? readFunction(entry.name, payload, model, base) : writeFunction(entry.name, payload, model, base)), "");
      classes.push(...model.classes.map((text) => `${text}\n`));
    }
  }
  return [
    `// Generated by \`${command}\` from ${manifest.name}@${manifest.version}'s plugin.json "exports". Do not edit: run it again.`,
    "// The host checks every input against these schemas before the plugin runs (bad_input), so reading is not validating.",
    `import { inputBytes, inputJson, inputText, Json, JsonObject, JsonValue, output, outputBytes } from "@threadspace/pdk-as";`,
    "",
    ...classes,
    ...functions,
  ].join("\n");
}
