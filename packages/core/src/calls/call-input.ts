import { ThreadspaceError, messageOf } from "@threadspace/errors";

/** A call's input: text (sent as UTF-8), bytes, or any JSON value (sent as its JSON text). */
export type CallInput = string | Uint8Array | ArrayBuffer | null | boolean | number | object | undefined;

/** Encodes a call input into what the plugin receives. Throws `bad_input` for values JSON cannot hold. */
export function encodeInput(input: CallInput, plugin: string): string | Uint8Array {
  if (typeof input === "string" || input instanceof Uint8Array) return input;
  if (input === undefined) return "";
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  try {
    const json = JSON.stringify(input);
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
