// semver's root module (not its per-function files): Vite's dev server pre-bundles this one
// CommonJS entry for apps that exclude the engine from pre-bundling (README, Vite section).
import { coerce, satisfies, valid, validRange } from "semver";
import { quote } from "./describe-value.ts";

/**
 * What is wrong with a plugin version, or `undefined` for a valid semver version written
 * plainly (`1.0.0`, `2.1.0-beta.1`, `1.0.0+build.5`; no leading `v`, `=` or spaces).
 */
export function versionProblem(version: string): string | undefined {
  if (valid(version) !== null && /^[0-9]/.test(version) && version.trim() === version) return undefined;
  const fixed = valid(version) ?? coerce(version)?.version;
  const hint = fixed === undefined || fixed === version ? "" : ` Did you mean ${quote(fixed)}?`;
  return `${quote(version)} is not a semver version: write MAJOR.MINOR.PATCH, e.g. "1.0.0".${hint}`;
}

/** The longest range accepted (semver's own cap for versions), which keeps range parsing fast. */
export const MAX_RANGE_LENGTH = 256;

/** What is wrong with a semver range, or `undefined` when `semver.validRange` accepts it. */
export function rangeProblem(range: string): string | undefined {
  if (range.length > MAX_RANGE_LENGTH) return `the version range is ${range.length} characters long; the limit is ${MAX_RANGE_LENGTH}.`;
  if (range.trim() === "") return `the version range is empty: write a semver range such as "^1.2.0", or "*" for any version.`;
  if (validRange(range) !== null) return undefined;
  return `${quote(range)} is not a semver range: write e.g. "^1.2.0", "~1.2.0", ">=1.0.0 <2.0.0" or "*" for any version.`;
}

/**
 * True when `version` is in `range`, with semver's rules (prereleases match only ranges that
 * name them), except that `*` (also `""` and `x`) matches every valid version, prereleases
 * included. Invalid versions or ranges match nothing; this never throws.
 *
 * @example satisfiesVersion("1.4.0", "^1.2.0") // true
 */
export function satisfiesVersion(version: string, range: string): boolean {
  if (typeof version !== "string" || typeof range !== "string" || valid(version) === null) return false;
  const normalised = validRange(range);
  if (normalised === null) return false;
  return normalised === "*" || satisfies(version, range);
}
