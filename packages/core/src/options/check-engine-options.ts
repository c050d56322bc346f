/**
 * Checks `createEngine`'s options at run time, for embedders without TypeScript (or with a
 * cast): unknown keys with a "did you mean", wrong types with their path, and the limits
 * policy's ranges. Every problem is listed; the error is a `bad_input` ThreadspaceError.
 */
import { ThreadspaceError, messageOf, type ThreadspaceIssue } from "@threadspace/errors";
import { didYouMean } from "@threadspace/manifest";
import * as v from "valibot";
import { checkHostLimitsPolicy, type HostLimitsPolicy } from "../limits/index.ts";
import { breakerSettings, type CircuitBreakerOptions } from "../lifecycle/monitor.ts";
import { checkPoolOptions } from "../isolation/pool/pool-options.ts";
import type { EngineIsolationOptions } from "../isolation/isolation-policy.ts";
import { engineOptionsSchema } from "./engine-options-schema.ts";

type PathSegment = string | number;

function pathOf(segments: readonly PathSegment[]): string {
  return segments.reduce<string>((path, key) => (typeof key === "number" ? `${path}[${key}]` : `${path}.${key}`), "options");
}

/** The object entries of a schema, through `optional` and `union` wrappers (undefined for a non-object schema). */
function objectEntries(schema: v.GenericSchema): Record<string, v.GenericSchema>[] {
  const s = schema as { type: string; entries?: Record<string, v.GenericSchema>; wrapped?: v.GenericSchema; options?: v.GenericSchema[] };
  if (s.type === "loose_object" && s.entries !== undefined) return [s.entries];
  if (s.type === "optional" && s.wrapped !== undefined) return objectEntries(s.wrapped);
  if (s.type === "union" && s.options !== undefined) return s.options.flatMap(objectEntries);
  return [];
}

/** Keys of `value` (and of its nested option objects) that the schema does not know. */
function unknownKeys(value: unknown, schema: v.GenericSchema, at: PathSegment[], issues: ThreadspaceIssue[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  const [entries] = objectEntries(schema);
  if (entries === undefined) return;
  const known = Object.keys(entries);
  for (const key of Object.keys(value)) {
    const entry = entries[key];
    if (entry === undefined || !Object.hasOwn(entries, key)) {
      const hint = didYouMean(key, known) || ` Known options here: ${known.join(", ")}.`;
      issues.push({ path: pathOf([...at, key]), message: `${JSON.stringify(key)} is not an option.${hint}` });
      continue;
    }
    unknownKeys((value as Record<string, unknown>)[key], entry, [...at, key], issues);
  }
}

/** valibot's issues as `{ path, message }` (a union's own message, not those of its members). */
function typeIssues(options: unknown): ThreadspaceIssue[] {
  const result = v.safeParse(engineOptionsSchema, options);
  if (result.success) return [];
  return result.issues.map((issue) => {
    const segments = (issue.path ?? []).map((item): PathSegment => (typeof item.key === "number" ? item.key : String(item.key)));
    return { path: pathOf(segments), message: issue.message };
  });
}

/**
 * Runs a check of the module that uses an option (its ranges and consistency rules stay there)
 * and turns its RangeError into an issue; the message starts with the option's path.
 */
function rangeIssues(where: string, check: () => unknown): ThreadspaceIssue[] {
  try {
    check();
    return [];
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const path = /^([A-Za-z]+(?:\.[A-Za-z]+)*)/.exec(error.message)?.[1];
    return [{ path: path?.startsWith(where) === true ? `options.${path}` : `options.${where}`, message: error.message }];
  }
}

/**
 * Throws a `bad_input` ThreadspaceError listing every problem of `createEngine`'s options
 * (each issue with its path, e.g. `options.limits.timeoutMs`); returns them typed otherwise.
 *
 * @example checkEngineOptions({ limts: {} }) // bad_input: options.limts: "limts" is not an option. Did you mean "limits"?
 */
export function checkEngineOptions(options: unknown): void {
  if (options === undefined) return;
  let issues: ThreadspaceIssue[];
  try {
    issues = typeIssues(options);
    unknownKeys(options, engineOptionsSchema, [], issues);
  } catch (cause) {
    // A getter or Proxy trap that throws while the options are read.
    throw new ThreadspaceError("bad_input", `createEngine: the options could not be read (${messageOf(cause)}). Pass a plain object.`, { cause });
  }
  if (issues.length === 0) {
    const { limits, circuitBreaker, isolation } = options as { limits?: HostLimitsPolicy; circuitBreaker?: CircuitBreakerOptions | false; isolation?: EngineIsolationOptions };
    if (limits !== undefined) issues.push(...rangeIssues("limits", () => checkHostLimitsPolicy(limits)));
    if (circuitBreaker !== undefined) issues.push(...rangeIssues("circuitBreaker", () => breakerSettings(circuitBreaker)));
    if (isolation !== undefined) issues.push(...rangeIssues("isolation", () => checkPoolOptions(isolation)));
  }
  if (issues.length === 0) return;
  const shown = issues.map((issue) => `${issue.path}: ${issue.message}`);
  const summary = issues.length === 1 ? shown[0] : `${issues.length} problems:\n  ${shown.join("\n  ")}`;
  throw new ThreadspaceError("bad_input", `createEngine: ${summary}`, { issues });
}
