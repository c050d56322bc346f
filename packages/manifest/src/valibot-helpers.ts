import * as v from "valibot";
import { describeValue } from "./describe-value.ts";

/**
 * A valibot check whose message comes from the same rule function that found the problem.
 *
 * @example v.pipe(v.string(), rule(nameProblem))
 */
export function rule<T>(problem: (value: T) => string | undefined): v.CheckAction<T, (issue: v.CheckIssue<T>) => string> {
  return v.check(
    (value: T) => problem(value) === undefined,
    (issue) => problem(issue.input) ?? "is invalid.",
  );
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A valibot schema accepting JSON objects only (valibot's `object` also takes arrays). */
export function jsonObject(what: string): v.CustomSchema<Record<string, unknown>, (issue: v.CustomIssue) => string> {
  return v.custom<Record<string, unknown>, (issue: v.CustomIssue) => string>(
    isJsonObject,
    (issue) => `must be an object: ${what}; got ${describeValue(issue.input)}.`,
  );
}

/** A valibot string schema with a message that says what the string is for. */
export function text(what: string): v.StringSchema<(issue: v.StringIssue) => string> {
  return v.string((issue) => `must be a string: ${what}; got ${describeValue(issue.input)}.`);
}

/** A valibot array schema with a message that says what the list holds. */
export function list<TItem extends v.GenericSchema>(item: TItem, what: string): v.ArraySchema<TItem, (issue: v.ArrayIssue) => string> {
  return v.array(item, (issue) => `must be an array: ${what}; got ${describeValue(issue.input)}.`);
}
