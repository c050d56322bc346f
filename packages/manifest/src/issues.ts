import type { ThreadspaceIssue } from "@threadspace/errors";
import type * as v from "valibot";
import { toJsonPath, type PathSegment } from "./json-path.ts";

/** An issue while its path is still a list of segments (sorted and formatted at the end). */
export interface RawIssue {
  readonly segments: readonly PathSegment[];
  readonly message: string;
}

/** Converts valibot's issues (nested ones flattened) to {@link RawIssue}s. */
export function fromValibot(issues: readonly v.BaseIssue<unknown>[]): RawIssue[] {
  const out: RawIssue[] = [];
  for (const issue of issues) {
    if (issue.issues !== undefined && issue.issues.length > 0) {
      out.push(...fromValibot(issue.issues));
      continue;
    }
    const segments = (issue.path ?? []).map((item): PathSegment => (typeof item.key === "number" ? item.key : String(item.key)));
    out.push({ segments, message: issue.message });
  }
  return out;
}

function compareSegments(a: readonly PathSegment[], b: readonly PathSegment[], topOrder: readonly string[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (i === 0 && typeof x === "string" && typeof y === "string") return topOrder.indexOf(x) - topOrder.indexOf(y);
    return 0;
  }
  return a.length - b.length;
}

/**
 * Orders issues as a reader meets them: top-level fields in the document's key order (missing
 * required fields first), array items by index; otherwise the order they were found in.
 */
export function sortIssues(issues: readonly RawIssue[], topOrder: readonly string[]): RawIssue[] {
  return [...issues].sort((a, b) => compareSegments(a.segments, b.segments, topOrder));
}

/** The public form of an issue: `{ path: "$.a[0]", message }`. */
export function toPublicIssue(issue: RawIssue): ThreadspaceIssue {
  return { path: toJsonPath(issue.segments), message: issue.message };
}
