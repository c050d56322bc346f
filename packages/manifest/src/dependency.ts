import { ThreadspaceError } from "@threadspace/errors";
import { quote } from "./describe-value.ts";
import { nameProblem, PLUGIN_NAME_PATTERN } from "./name-rule.ts";
import { MAX_RANGE_LENGTH, rangeProblem } from "./version.ts";

/** A dependency split into the plugin it needs and the versions it accepts. */
export interface Dependency {
  /** The plugin's name. */
  name: string;
  /** A semver range; `*` when the spec gave none. */
  range: string;
}

const PIP_STYLE = /^([a-z][a-z0-9_-]*)\s*([<>=~^!].*)$/;

function split(spec: string): Dependency {
  const at = spec.indexOf("@");
  return at < 0 ? { name: spec, range: "*" } : { name: spec.slice(0, at), range: spec.slice(at + 1).trim() };
}

/** What is wrong with a dependency spec (`name` or `name@<range>`), or `undefined` when it is valid. */
export function dependencyProblem(spec: string): string | undefined {
  const prefix = `${quote(spec)} is not a valid dependency:`;
  const pipStyle = spec.includes("@") ? null : PIP_STYLE.exec(spec);
  if (pipStyle !== null) {
    return `${prefix} write the range after "@", e.g. ${quote(`${pipStyle[1]}@${(pipStyle[2] ?? "").trim()}`)}.`;
  }
  const { name, range } = split(spec);
  if (name.length === 0) return `${prefix} the plugin name is missing; write "name" or "name@^1.2.0".`;
  const badName = nameProblem(name);
  if (badName !== undefined) return `${prefix} ${badName} Write "name" or "name@^1.2.0".`;
  if (spec.includes("@") && rangeProblem(range) !== undefined) {
    const what = range === "" ? `nothing follows "@"` : range.length > MAX_RANGE_LENGTH ? `the range is longer than ${MAX_RANGE_LENGTH} characters` : `${quote(range)} is not a semver range`;
    return `${prefix} ${what}. Write e.g. ${quote(`${name}@^1.2.0`)} or ${quote(`${name}@>=1.0.0 <2.0.0`)}, or just ${quote(name)} for any version.`;
  }
  return undefined;
}

/**
 * Splits a dependency spec into name and range. Throws `manifest_invalid` on a bad spec.
 *
 * @example parseDependency("memory-analyzer@^1.2.0") // { name: "memory-analyzer", range: "^1.2.0" }
 * @example parseDependency("hello") // { name: "hello", range: "*" }
 */
export function parseDependency(spec: string): Dependency {
  const problem = typeof spec === "string" ? dependencyProblem(spec) : `a dependency must be a string, not ${typeof spec}.`;
  if (problem !== undefined) {
    throw new ThreadspaceError("manifest_invalid", problem, { issues: [{ path: "$", message: problem }] });
  }
  return split(spec);
}

/** The plugin name of a valid spec, or `undefined` for an invalid one (never throws). */
export function dependencyName(spec: string): string | undefined {
  if (dependencyProblem(spec) !== undefined) return undefined;
  const { name } = split(spec);
  return PLUGIN_NAME_PATTERN.test(name) ? name : undefined;
}
