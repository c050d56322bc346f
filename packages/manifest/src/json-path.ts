/** One step of a path into a JSON document: an object key or an array index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Writes a JSON path the way issues show it: `$` for the document, `.key` for identifier-like
 * keys, `["odd key"]` for the others and `[0]` for array indexes.
 *
 * @example toJsonPath(["dependencies", 1]) // "$.dependencies[1]"
 */
export function toJsonPath(segments: readonly PathSegment[]): string {
  let path = "$";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
