import { Validator, type OutputUnit, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import type { ThreadspaceIssue } from "@threadspace/errors";
import { childPath, isPlainObject, own, type JsonObject } from "./json-value.ts";

/** The levels `config.log_level` accepts, in any case (the same list plugin.json is checked with). */
export const CONFIG_LOG_LEVELS: readonly string[] = ["TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "CRITICAL"];

/** Most issues one validation reports. */
const MAX_ISSUES = 20;

/**
 * The guide's config keys, checked whatever the plugin's `configSchema` says (the engine acts on
 * them): `enabled` boolean, `interval` seconds above 0, `log_level` a level name, `features` an
 * object of booleans.
 */
export function guideIssues(config: JsonObject): ThreadspaceIssue[] {
  const issues: ThreadspaceIssue[] = [];
  const enabled = own(config, "enabled");
  if (enabled !== undefined && typeof enabled !== "boolean") issues.push({ path: "$.enabled", message: `must be true or false; got ${JSON.stringify(enabled)}` });
  const interval = own(config, "interval");
  if (interval !== undefined && !(typeof interval === "number" && Number.isFinite(interval) && interval > 0)) {
    issues.push({ path: "$.interval", message: `must be a number of seconds above 0, e.g. 300; got ${JSON.stringify(interval)}` });
  }
  const level = own(config, "log_level");
  if (level !== undefined && !(typeof level === "string" && CONFIG_LOG_LEVELS.includes(level.toUpperCase()))) {
    issues.push({ path: "$.log_level", message: `must be one of ${CONFIG_LOG_LEVELS.join(", ")} (any case); got ${JSON.stringify(level)}` });
  }
  const features = own(config, "features");
  if (features !== undefined) {
    if (!isPlainObject(features)) issues.push({ path: "$.features", message: `must be an object of feature switches, e.g. {"feature_1": true}` });
    else {
      for (const key of Object.keys(features)) {
        if (typeof features[key] !== "boolean") issues.push({ path: childPath("$.features", key), message: `a feature switch must be true or false; got ${JSON.stringify(features[key])}` });
      }
    }
  }
  return issues;
}

const DRAFTS: Record<string, SchemaDraft> = {
  "http://json-schema.org/draft-04/schema#": "4",
  "http://json-schema.org/draft-07/schema#": "7",
  "https://json-schema.org/draft/2019-09/schema": "2019-09",
  "https://json-schema.org/draft/2020-12/schema": "2020-12",
};

/** Checks a config object (or, for an export schema, any JSON value); returns its issues (empty when valid). */
export type ConfigCheck = (config: unknown) => ThreadspaceIssue[];

/** Checks compiled from frozen schemas (a parsed manifest's): the same schema object is compiled once. */
const compiledFrozen = new WeakMap<object, ConfigCheck>();

/**
 * Compiles a plugin's `configSchema` (JSON Schema; draft from `$schema`, else 2020-12) with
 * `@cfworker/json-schema`, which interprets the schema (no code generation, so it runs under a
 * CSP and in workerd). Issues carry JSON paths into the config, e.g. `$.features.beta`. The
 * schema is copied first (the validator annotates what it is given); a frozen schema, such as
 * a parsed manifest's, is compiled once and its check shared.
 */
export function compileConfigSchema(schema: Readonly<JsonObject>): ConfigCheck {
  if (!Object.isFrozen(schema)) return compile(schema);
  let check = compiledFrozen.get(schema);
  if (check === undefined) {
    check = compile(schema);
    compiledFrozen.set(schema, check);
  }
  return check;
}

function compile(schema: Readonly<JsonObject>): ConfigCheck {
  const declared = own(schema, "$schema");
  const draft = (typeof declared === "string" ? DRAFTS[declared] : undefined) ?? "2020-12";
  const validator = new Validator(structuredClone(schema) as Schema, draft, false);
  return (config) => {
    try {
      const result = validator.validate(config);
      return result.valid ? [] : toIssues(result.errors, config);
    } catch (cause) {
      // cfworker throws on a few inputs (a key with a lone surrogate cannot be URI-encoded).
      return [{ path: "$", message: `could not be checked against the schema: ${cause instanceof Error ? cause.message : String(cause)}` }];
    }
  };
}

/** Keywords whose error only says "a child failed"; the child's own error says what. */
const SUMMARY_KEYWORDS = new Set([
  "properties", "patternProperties", "additionalProperties", "unevaluatedProperties", "items", "prefixItems",
  "additionalItems", "unevaluatedItems", "allOf", "$ref", "$recursiveRef", "dependentSchemas", "if", "then", "else",
]);

/** cfworker's output units → issues: summaries with a deeper error are dropped, pointers become JSON paths. */
function toIssues(units: readonly OutputUnit[], instance: unknown): ThreadspaceIssue[] {
  const issues: ThreadspaceIssue[] = [];
  const seen = new Set<string>();
  for (const unit of units) {
    const deeper = (other: OutputUnit) => other.instanceLocation.startsWith(`${unit.instanceLocation}/`) || (other.instanceLocation === unit.instanceLocation && !SUMMARY_KEYWORDS.has(other.keyword));
    if (SUMMARY_KEYWORDS.has(unit.keyword) && units.some(deeper)) continue;
    const path = pointerToPath(unit.instanceLocation, instance);
    const message = unit.keyword === "false" ? "is not allowed by the config schema" : unit.error.replace(/\.$/, "");
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path, message });
    if (issues.length === MAX_ISSUES) break;
  }
  return issues;
}

function decodePointerToken(raw: string): string {
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // not URI-encoded after all: keep it as it is
  }
  return text.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** `#/features/a~1b/0` → `$.features["a/b"][0]`, using the instance to tell array indexes from keys. */
function pointerToPath(pointer: string, instance: unknown): string {
  let path = "$";
  let node = instance;
  const tokens = pointer.replace(/^#/, "").split("/").slice(1);
  for (const raw of tokens) {
    const token = decodePointerToken(raw);
    if (Array.isArray(node) && /^\d+$/.test(token)) {
      path = childPath(path, Number(token));
      node = node[Number(token)];
    } else {
      path = childPath(path, token);
      node = isPlainObject(node) ? own(node, token) : undefined;
    }
  }
  return path;
}
