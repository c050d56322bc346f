import type { RawIssue } from "./issues.ts";
import type { PathSegment } from "./json-path.ts";

/** Longest `pattern` (or `patternProperties` key) a configSchema may hold. */
export const MAX_SCHEMA_PATTERN_LENGTH = 256;
/** Most subschemas one validation may visit once every `$ref` is expanded. */
export const MAX_SCHEMA_EXPANSION = 10_000;
/** Largest product of the repetition bounds in one pattern (`{n,m}` counts m). */
const MAX_REPETITION_PRODUCT = 1_000;

type Json = unknown;

/** Keywords whose value is a subschema, an array of them or a map of them. */
const ONE = new Set(["not", "if", "then", "else", "items", "additionalItems", "contains", "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties"]);
const MANY = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const MAP = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);
/** Definitions are visited only through `$ref`s (and checked for patterns and refs on their own). */
const DEFINITIONS = new Set(["$defs", "definitions"]);

const isObject = (value: Json): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What makes a regular expression unsafe to run on untrusted config (V8's backtracking engine):
 * backreferences and lookarounds, a repeated group that holds a repetition or an alternation
 * (`(a+)+`, `(a|aa)*`: exponential), more than one unbounded repetition (`a*a*x` took 0.5 s on
 * 1,000 characters and 514 s on 10,000 here), an unbounded repetition in a pattern not anchored
 * with `^`, or repetition bounds whose product is over 1,000. `undefined` when none.
 */
export function patternProblem(source: string): string | undefined {
  if (source.length > MAX_SCHEMA_PATTERN_LENGTH) return `is ${source.length} characters long; a schema pattern (configSchema, exports) may have at most ${MAX_SCHEMA_PATTERN_LENGTH}`;
  try {
    new RegExp(source, "u");
  } catch (cause) {
    return `is not a valid regular expression: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  /** Per open group: whether it holds a repetition or an alternation. */
  const groups: { repeats: boolean; alternates: boolean }[] = [{ repeats: false, alternates: false }];
  let unbounded = 0;
  let product = 1;
  let lastWasGroup: { repeats: boolean; alternates: boolean } | undefined;
  let canRepeat = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    const top = groups[groups.length - 1] as { repeats: boolean; alternates: boolean };
    const quantified = (max: number): string | undefined => {
      if (!canRepeat) return undefined;
      if (lastWasGroup !== undefined && (lastWasGroup.repeats || lastWasGroup.alternates)) {
        return "repeats a group that itself repeats or alternates (nested quantifiers such as (a+)+ or (a|aa)* take exponential time)";
      }
      if (max === Infinity) unbounded++;
      else product *= Math.max(1, max);
      top.repeats = true;
      canRepeat = false;
      lastWasGroup = undefined;
      return undefined;
    };
    let problem: string | undefined;
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || next === "k") return "uses a backreference, which this engine does not run on untrusted input";
      if (next === "u" && source[i + 2] === "{") i = source.indexOf("}", i);
      else if (next === "u") i += 5;
      else if (next === "x") i += 3;
      else if (next === "p" || next === "P") i = source.indexOf("}", i);
      else i += 1;
      canRepeat = true;
      lastWasGroup = undefined;
      continue;
    }
    if (c === "[") {
      // A character class: skip to its end (escapes inside included).
      let j = i + 1;
      if (source[j] === "^") j++;
      if (source[j] === "]") j++;
      while (j < source.length && source[j] !== "]") j += source[j] === "\\" ? 2 : 1;
      i = j;
      canRepeat = true;
      lastWasGroup = undefined;
      continue;
    }
    if (c === "(") {
      if (source.startsWith("(?=", i) || source.startsWith("(?!", i) || source.startsWith("(?<=", i) || source.startsWith("(?<!", i)) return "uses a lookaround, which this engine does not run on untrusted input";
      groups.push({ repeats: false, alternates: false });
      if (source.startsWith("(?:", i)) i += 2;
      else if (source.startsWith("(?<", i)) i = source.indexOf(">", i);
      canRepeat = false;
      lastWasGroup = undefined;
      continue;
    }
    if (c === ")") {
      const closed = groups.pop() as { repeats: boolean; alternates: boolean };
      const parent = groups[groups.length - 1] as { repeats: boolean; alternates: boolean };
      if (closed.repeats) parent.repeats = true;
      lastWasGroup = closed;
      canRepeat = true;
      continue;
    }
    if (c === "|") {
      top.alternates = true;
      canRepeat = false;
      lastWasGroup = undefined;
      continue;
    }
    if (c === "*" || c === "+") problem = quantified(Infinity);
    else if (c === "?") {
      // `??`, `*?`, `+?` (lazy) follow a quantifier: canRepeat is false then; a lone `?` is {0,1}.
      problem = quantified(1);
    } else if (c === "{" && /^\{\d+(,\d*)?\}/.test(source.slice(i))) {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i)) as RegExpExecArray;
      const max = match[2] === undefined ? Number(match[1]) : match[3] === "" ? Infinity : Number(match[3]);
      problem = quantified(max);
      i += match[0].length - 1;
    } else if (c === "^" || c === "$") {
      canRepeat = false;
      lastWasGroup = undefined;
    } else {
      canRepeat = true;
      lastWasGroup = undefined;
    }
    if (problem !== undefined) return problem;
  }
  if (unbounded > 1) return `repeats without bound ${unbounded} times (e.g. a*b+): a backtracking engine takes polynomial time on long strings (a*a*x: 514 s on 10,000 characters). Keep one unbounded repetition, bound the others ({1,64}), and cap the string with maxLength`;
  if (unbounded === 1 && !source.startsWith("^")) return "repeats without bound but is not anchored with ^: every start position is tried again. Anchor it (^...)";
  if (product > MAX_REPETITION_PRODUCT) return `has repetition bounds whose product is ${product}, over ${MAX_REPETITION_PRODUCT}`;
  return undefined;
}

/**
 * Bounds a plugin's `configSchema` before anything compiles it: every `pattern` and
 * `patternProperties` key passes {@link patternProblem}; every `$ref` is local (`#...`) and
 * points at a subschema; `$ref`s do not form a cycle; and the schema, with every `$ref`
 * expanded, has at most {@link MAX_SCHEMA_EXPANSION} subschemas (`$ref`s fanning out to 2^30
 * blocked the engine for over 20 s). The schema's own size and depth are plugin.json's caps.
 */
export function configSchemaIssues(schema: Json, base: readonly PathSegment[] = ["configSchema"], label = "configSchema"): RawIssue[] {
  const issues: RawIssue[] = [];
  /** Subschemas by their JSON pointer, for `$ref`s. */
  const byPointer = new Map<string, { node: Json; segments: PathSegment[] }>();
  const walkAll = (node: Json, segments: PathSegment[], pointer: string): void => {
    if (!isObject(node)) return;
    byPointer.set(pointer, { node, segments });
    for (const [key, value] of Object.entries(node)) {
      const here = [...segments, key];
      const at = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (key === "pattern" && typeof value === "string") {
        const problem = patternProblem(value);
        if (problem !== undefined) issues.push({ segments: here, message: `the pattern ${problem}.` });
      }
      if (key === "patternProperties" && isObject(value)) {
        for (const pattern of Object.keys(value)) {
          const problem = patternProblem(pattern);
          if (problem !== undefined) issues.push({ segments: [...here, pattern], message: `the pattern ${problem}.` });
        }
      }
      if (key === "$ref" && typeof value === "string" && !value.startsWith("#")) issues.push({ segments: here, message: `refers outside the schema (${value}); ${article(label)} may use only local $refs such as "#/$defs/name".` });
      if (ONE.has(key)) walkAll(value, here, at);
      else if (MANY.has(key) && Array.isArray(value)) value.forEach((item, i) => walkAll(item, [...here, i], `${at}/${i}`));
      else if (MAP.has(key) && isObject(value)) for (const [name, item] of Object.entries(value)) walkAll(item, [...here, name], `${at}/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    }
  };
  walkAll(schema, [...base], "#");
  if (issues.length > 0) return issues;

  // Expanded size, memoised per subschema; a $ref back into the current path is a cycle.
  const size = new Map<Json, number>();
  const visiting = new Set<Json>();
  let failed = false;
  const expand = (node: Json, segments: readonly PathSegment[]): number => {
    if (failed || !isObject(node)) return 1;
    const known = size.get(node);
    if (known !== undefined) return known;
    if (visiting.has(node)) {
      failed = true;
      issues.push({ segments, message: `$refs form a cycle here; ${article(label)} may not be recursive (what it checks is a bounded JSON value).` });
      return 1;
    }
    visiting.add(node);
    let total = 1;
    for (const [key, value] of Object.entries(node)) {
      if (DEFINITIONS.has(key)) continue;
      if (key === "$ref" && typeof value === "string") {
        const pointer = decodeURIComponentSafe(value === "#" ? "#" : value);
        const target = byPointer.get(pointer);
        if (target === undefined) {
          failed = true;
          issues.push({ segments: [...segments, key], message: `points at ${value}, which is not a subschema of this ${label}.` });
          break;
        }
        total += expand(target.node, [...segments, key]);
      } else if (ONE.has(key)) total += expand(value, [...segments, key]);
      else if (MANY.has(key) && Array.isArray(value)) value.forEach((item, i) => (total += expand(item, [...segments, key, i])));
      else if (MAP.has(key) && isObject(value)) for (const [name, item] of Object.entries(value)) total += expand(item, [...segments, key, name]);
      if (total > MAX_SCHEMA_EXPANSION) break;
    }
    visiting.delete(node);
    size.set(node, total);
    if (total > MAX_SCHEMA_EXPANSION && !failed) {
      failed = true;
      issues.push({ segments, message: `expands to more than ${MAX_SCHEMA_EXPANSION} subschemas once its $refs are followed; simplify the schema (fewer $refs to $refs).` });
    }
    return total;
  };
  expand(schema, base);
  return issues;
}

/** "a configSchema", "an export schema". */
function article(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
