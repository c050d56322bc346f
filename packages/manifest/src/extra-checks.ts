import { quote } from "./describe-value.ts";
import { dependencyName } from "./dependency.ts";
import { configSchemaIssues } from "./config-schema-bounds.ts";
import { exportsIssues } from "./export-rules.ts";
import { capabilityProblem, topicProblem } from "./field-rules.ts";
import type { RawIssue } from "./issues.ts";
import type { PathSegment } from "./json-path.ts";
import { permissionProblem } from "./permissions.ts";
import { LIMIT_KEYS } from "./plugin-limits.ts";
import { MANIFEST_FIELDS } from "./schema.ts";
import { didYouMean } from "./suggest.ts";
import { isJsonObject } from "./valibot-helpers.ts";

function unknownKeys(object: Record<string, unknown>, known: readonly string[], where: PathSegment[], what: string): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const hint = didYouMean(key, known) || ` Known ${what}: ${known.join(", ")}.`;
    issues.push({ segments: [...where, key], message: `${quote(key)} is not a known ${what.replace(/s$/, "")}.${hint}` });
  }
  return issues;
}

/** Flags repeated items of a list; `keyOf` says what counts as the same, `undefined` for invalid items (skipped). */
function duplicates(list: unknown, field: string, keyOf: (item: string) => string | undefined): RawIssue[] {
  if (!Array.isArray(list)) return [];
  const issues: RawIssue[] = [];
  const seen = new Map<string, number>();
  list.forEach((item: unknown, index) => {
    if (typeof item !== "string") return;
    const key = keyOf(item);
    if (key === undefined) return;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else issues.push({ segments: [field, index], message: `${quote(item)} repeats $.${field}[${first}]: list each entry once.` });
  });
  return issues;
}

function validOnly(problem: (item: string) => string | undefined): (item: string) => string | undefined {
  return (item) => (problem(item) === undefined ? item : undefined);
}

/** The one cross-field check that depends on the name: a dependency on itself. */
export function selfDependency(manifest: Readonly<Record<string, unknown>>): RawIssue[] {
  const { name, dependencies } = manifest;
  if (typeof name !== "string" || !Array.isArray(dependencies)) return [];
  const issues: RawIssue[] = [];
  dependencies.forEach((item: unknown, index) => {
    if (typeof item === "string" && dependencyName(item) === name) {
      issues.push({ segments: ["dependencies", index], message: `${quote(item)}: a plugin cannot depend on itself; remove it.` });
    }
  });
  return issues;
}

/**
 * Reports every `__proto__` key inside `value`. Such keys are refused (rather than kept as own
 * properties) because code that merges config with `Object.assign` or a deep merge would set a
 * prototype from them. `constructor` and `prototype` are kept as plain data.
 */
function prototypeKeys(value: unknown, where: PathSegment[]): RawIssue[] {
  const issues: RawIssue[] = [];
  // Depth-first in document order: children are pushed in reverse so the first pops first.
  const stack: [unknown, PathSegment[]][] = [[value, where]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [node, path] = entry;
    const last = path[path.length - 1];
    if (last === "__proto__" && path.length > where.length) {
      issues.push({ segments: path, message: `"__proto__" is not allowed as a key: merging it into an object would change that object's prototype. Rename the key.` });
      continue;
    }
    const children: [unknown, PathSegment[]][] = Array.isArray(node)
      ? node.map((item: unknown, i) => [item, [...path, i]])
      : isJsonObject(node)
        ? Object.keys(node).map((key) => [node[key], [...path, key]])
        : [];
    stack.push(...children.reverse());
  }
  return issues;
}

/**
 * The checks that valibot's per-field schema does not make: unknown fields (with suggestions),
 * unknown `limits` keys, duplicates, a dependency on itself, `__proto__` keys and the bounds of
 * `configSchema` (config-schema-bounds.ts).
 */
export function extraChecks(manifest: Record<string, unknown>): RawIssue[] {
  const { limits } = manifest;
  return [
    ...unknownKeys(manifest, MANIFEST_FIELDS, [], "fields"),
    ...(isJsonObject(limits) ? unknownKeys(limits, LIMIT_KEYS, ["limits"], "limits") : []),
    ...duplicates(manifest["dependencies"], "dependencies", dependencyName),
    ...selfDependency(manifest),
    ...duplicates(manifest["capabilities"], "capabilities", validOnly(capabilityProblem)),
    ...duplicates(manifest["permissions"], "permissions", validOnly(permissionProblem)),
    ...duplicates(manifest["subscriptions"], "subscriptions", validOnly(topicProblem)),
    ...prototypeKeys(manifest["config"], ["config"]),
    ...prototypeKeys(manifest["configSchema"], ["configSchema"]),
    // Bounded before anything compiles it: safe patterns, local acyclic $refs, a bounded expansion.
    ...(isJsonObject(manifest["configSchema"]) ? configSchemaIssues(manifest["configSchema"]) : []),
    ...prototypeKeys(manifest["exports"], ["exports"]),
    ...exportsIssues(manifest["exports"]),
  ];
}
