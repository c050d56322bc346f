import type { CallInput } from "@threadspace/core";

/**
 * The input typed after an export name in `threadspace run`: text as typed, or JSON when it starts
 * like a JSON object, array or string (`{`, `[`, `"`). Throws a SyntaxError naming the problem
 * when it starts like JSON but is not.
 */
export function parseRunInput(text: string): CallInput {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  if (!/^[[{"]/.test(trimmed)) return text;
  try {
    return JSON.parse(trimmed) as CallInput;
  } catch (cause) {
    throw new SyntaxError(`the input starts like JSON but is not (${cause instanceof Error ? cause.message : String(cause)}); send text that starts with { [ or " as a JSON string: "\\"{text\\""`);
  }
}

/** Splits a command line at the first run of spaces: `["greet", "Ada Lovelace"]`. */
export function splitCommand(line: string): [string, string] {
  const trimmed = line.trim();
  const at = trimmed.search(/\s/);
  return at < 0 ? [trimmed, ""] : [trimmed.slice(0, at), trimmed.slice(at).trimStart()];
}
