import * as v from "valibot";
import { HostFailure } from "../host-types.ts";

function pathOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).reduce((path, item) => (typeof item.key === "number" ? `${path}[${item.key}]` : `${path}.${String(item.key)}`), "$");
}

/**
 * Builds a request parser from a valibot schema: the output is the schema's fresh object; a bad
 * request becomes `HostFailure("bad_request")` naming every problem with its path.
 */
export function requestParser<S extends v.GenericSchema>(schema: S): (request: unknown) => v.InferOutput<S> {
  return (request) => {
    const result = v.safeParse(schema, request);
    if (result.success) return result.output;
    const problems = result.issues.slice(0, 5).map((issue) => `${pathOf(issue)}: ${issue.message}`);
    throw new HostFailure("bad_request", `invalid request: ${problems.join("; ")}`);
  };
}

/** Schemas shared by the APIs. */
export const Schemas = {
  /** An identifier: 1-128 chars, no control characters. */
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(128), v.regex(/^[^\u0000-\u001f]+$/, "must not contain control characters")),
  /** A result limit: 1..1000. */
  limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
  /** Tags: at most 64, each 1-64 chars. */
  tags: v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(64))), v.maxLength(64)),
} as const;
