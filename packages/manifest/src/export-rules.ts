import * as v from "valibot";
import { configSchemaIssues } from "./config-schema-bounds.ts";
import { describeValue, quote } from "./describe-value.ts";
import type { RawIssue } from "./issues.ts";
import { didYouMean } from "./suggest.ts";
import { isJsonObject, jsonObject, rule, text } from "./valibot-helpers.ts";

/** How a payload travels: JSON text (the default), UTF-8 text, or raw bytes (never checked). */
export const PAYLOAD_ENCODINGS = ["json", "text", "bytes"] as const;
/** One of {@link PAYLOAD_ENCODINGS}. */
export type PayloadEncoding = (typeof PAYLOAD_ENCODINGS)[number];

/**
 * The schema of an export's input or output: the JSON-Schema subset `configSchema` uses (same
 * bounds on patterns and `$ref`s), plus `encoding`: `"json"` (default: the payload is JSON text,
 * validated as a JSON value), `"text"` (UTF-8 text, validated as a JSON string) or `"bytes"`
 * (not validated; the schema only documents it).
 */
export type PayloadSchema = Readonly<Record<string, unknown>> & { readonly encoding?: PayloadEncoding };

/** What plugin.json's `exports` says about one callable export. */
export interface ExportSchema {
  /** What the export does. */
  readonly description?: string;
  /** What its input must be; absent: anything (nothing is checked). */
  readonly input?: PayloadSchema;
  /** What its output is; checked only in debug mode (`createEngine({ checkOutputs: true })`). */
  readonly output?: PayloadSchema;
}

/** The keys of one `exports` entry. */
export const EXPORT_SCHEMA_KEYS = ["description", "input", "output"] as const;

const EXPORT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_EXPORT_NAME = 128;
const MAX_DESCRIPTION = 1024;

/**
 * What is wrong with an `exports` key, or `undefined` for an identifier of 1–128 characters
 * (`[A-Za-z_][A-Za-z0-9_]*`: it names a wasm export and becomes a method in generated bindings).
 */
export function exportNameProblem(name: string): string | undefined {
  if (name.length > MAX_EXPORT_NAME) return `the export name is ${name.length} characters long; the limit is ${MAX_EXPORT_NAME}.`;
  if (!EXPORT_NAME.test(name)) return `${quote(name)} is not an export name: use letters, digits and "_", not starting with a digit (the wasm export's name, e.g. "analyze_memory").`;
  return undefined;
}

const isTypeValue = (value: unknown): boolean => typeof value === "string" || (Array.isArray(value) && value.every((item) => typeof item === "string"));

function payloadSchema(what: string) {
  return v.pipe(
    jsonObject(`a JSON Schema for the export's ${what}, e.g. {"type": "object", "properties": {"id": {"type": "string"}}}`),
    v.object({
      encoding: v.exactOptional(
        v.picklist(PAYLOAD_ENCODINGS, (issue) => `must be "json" (JSON text, the default), "text" (UTF-8 text) or "bytes" (not checked); got ${describeValue(issue.input)}.`),
      ),
      type: v.exactOptional(v.custom(isTypeValue, (issue) => `must be a JSON Schema type name such as "object", or an array of them; got ${describeValue(issue.input)}.`)),
    }),
  );
}

/** The valibot schema of `exports`: an object of export name → `{ description?, input?, output? }`. */
export const exportsSchema = v.pipe(
  jsonObject(`the callable exports and their schemas, e.g. {"greet": {"input": {"encoding": "text", "type": "string"}}}`),
  v.record(
    v.pipe(v.string(), rule(exportNameProblem)),
    v.pipe(
      jsonObject(`what the export takes and returns, e.g. {"description": "...", "input": {...}, "output": {...}}`),
      v.object({
        description: v.exactOptional(v.pipe(text("what the export does"), v.maxLength(MAX_DESCRIPTION, (issue) => `is ${issue.input.length} characters long; the limit is ${MAX_DESCRIPTION}.`))),
        input: v.exactOptional(payloadSchema("input")),
        output: v.exactOptional(payloadSchema("output")),
      }),
    ),
  ),
);

/** A text payload is checked as a JSON string: its schema may only say `"type": "string"`. */
function encodingIssues(schema: Record<string, unknown>, at: (string | number)[]): RawIssue[] {
  const { encoding, type } = schema;
  if (encoding === "text" && type !== undefined && type !== "string") {
    return [{ segments: [...at, "type"], message: `must be "string" (or absent) for an "encoding": "text" payload: the text is checked as a JSON string; got ${describeValue(type)}.` }];
  }
  if (encoding === "bytes" && type !== undefined) {
    return [{ segments: [...at, "type"], message: `has no meaning for an "encoding": "bytes" payload, which is never checked: remove "type" (describe the bytes in "description").` }];
  }
  return [];
}

/**
 * The checks valibot's shape does not make on `exports`: unknown keys in an entry (with
 * suggestions), the encodings' constraints, and each schema's bounds (safe patterns, local
 * acyclic `$ref`s, at most 10,000 subschemas: the `configSchema` rules, config-schema-bounds.ts).
 */
export function exportsIssues(exports: unknown): RawIssue[] {
  if (!isJsonObject(exports)) return [];
  const issues: RawIssue[] = [];
  for (const [name, entry] of Object.entries(exports)) {
    if (!isJsonObject(entry)) continue;
    for (const key of Object.keys(entry)) {
      if ((EXPORT_SCHEMA_KEYS as readonly string[]).includes(key)) continue;
      const hint = didYouMean(key, EXPORT_SCHEMA_KEYS) || ` Known keys: ${EXPORT_SCHEMA_KEYS.join(", ")}.`;
      issues.push({ segments: ["exports", name, key], message: `${quote(key)} is not a known key of an export.${hint}` });
    }
    for (const side of ["input", "output"] as const) {
      const schema = entry[side];
      if (!isJsonObject(schema)) continue;
      issues.push(...encodingIssues(schema, ["exports", name, side]), ...configSchemaIssues(schema, ["exports", name, side], "export schema"));
    }
  }
  return issues;
}
