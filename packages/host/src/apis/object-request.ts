import * as v from "valibot";
import { requestParser } from "../abi/request.ts";

/** A JSON object: not null and not an array (which `v.object` alone would take). */
export const jsonObject = v.custom<Record<string, unknown>>((value) => typeof value === "object" && value !== null && !Array.isArray(value), "must be a JSON object");

/**
 * A parser for a request that is a JSON object with these fields: unknown fields are dropped,
 * and an array, `null` or any other value is `bad_request`.
 */
export function objectRequest<E extends v.ObjectEntries>(entries: E): (request: unknown) => v.InferOutput<v.ObjectSchema<E, undefined>> {
  return requestParser(v.pipe(jsonObject, v.object(entries)));
}
