/** The call panel's input (text or JSON) and how an output is shown. */
import { type CallInput } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";

/** How the input box is read: as UTF-8 text, or parsed as JSON (sent as JSON text). */
export type InputMode = "text" | "json";

/**
 * The input to pass to `engine.call`. In JSON mode the text is checked and sent as it is (so
 * `"World"` reaches the plugin with its quotes); JSON that does not parse is a `bad_input`.
 */
export function parseInput(text: string, mode: InputMode): CallInput {
  if (mode === "text") return text;
  try {
    JSON.parse(text);
    return text;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ThreadspaceError("bad_input", `[playground] the input is not valid JSON (${detail}). Fix it, or switch the input to Text to send it as it is.`, { cause });
  }
}

/** The output as text, pretty-printed when it is JSON; `(no output)` when empty. */
export function formatOutput(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) return "(no output)";
  const text = new TextDecoder().decode(bytes);
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? JSON.stringify(value, null, 2) : text;
  } catch {
    return text;
  }
}
