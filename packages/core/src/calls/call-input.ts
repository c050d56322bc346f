import { copyEmbedderInput } from "@threadspace/host";
import { ThreadspaceError, messageOf } from "@threadspace/errors";

/** A call's input: text (sent as UTF-8), bytes, or any JSON value (sent as its JSON text). */
export type CallInput = string | Uint8Array | ArrayBuffer | null | boolean | number | object | undefined;

/** Encodes a call input into what the plugin receives. Throws `bad_input` for values JSON cannot hold. */
export function encodeInput(input: CallInput, plugin: string): string | Uint8Array {
  if (typeof input === "string" || input instanceof Uint8Array) return input;
  if (input === undefined) return "";
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  // Copied first: a Proxy, a throwing getter or a cycle is bad_input with its path.
  let data: unknown;
  try {
    data = copyEmbedderInput(input, "the call input");
  } catch (cause) {
    const issue = cause instanceof ThreadspaceError ? cause.issues[0] : undefined;
    throw new ThreadspaceError("bad_input", `the call input cannot be sent as JSON: ${issue === undefined ? messageOf(cause) : `${issue.path} ${issue.message}`}. Pass a string, a Uint8Array or plain JSON data.`, { plugin, cause, ...(issue === undefined ? {} : { issues: [issue] }) });
  }
  try {
    const json = JSON.stringify(data);
    if (json === undefined) throw new Error("it has no JSON form");
    return json;
  } catch (cause) {
    throw new ThreadspaceError(
      "bad_input",
      `the call input cannot be sent as JSON (${messageOf(cause)}). Pass a string, a Uint8Array or a JSON-serialisable value.`,
      { plugin, cause },
    );
  }
}
