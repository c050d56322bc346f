import type { ThreadspaceIssue } from "@threadspace/errors";

/** How many issues the error message lists; `error.issues` always has all of them. */
const MAX_LISTED = 20;

/**
 * The readable summary of a failed manifest, one issue a line:
 *
 * ```text
 * plugin.json is invalid (source: plugins/hello/plugin.json), 2 problems:
 *   - $.version: "1.0" is not a semver version: ...
 *   - $.dependancies: "dependancies" is not a known field. Did you mean "dependencies"?
 * ```
 */
export function manifestErrorMessage(issues: readonly ThreadspaceIssue[], source: string | undefined): string {
  const where = source === undefined ? "" : ` (source: ${source})`;
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  const lines = issues.slice(0, MAX_LISTED).map((issue) => `  - ${issue.path}: ${issue.message}`);
  if (issues.length > MAX_LISTED) lines.push(`  ... and ${issues.length - MAX_LISTED} more (see error.issues).`);
  return [`plugin.json is invalid${where}, ${count}:`, ...lines].join("\n");
}
