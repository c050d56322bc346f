import type { PayloadEncoding } from "@threadspace/manifest";
import type { CallInput } from "../calls/call-input.ts";
import type { CallOptions } from "../calls/call-options.ts";
import type { CallResult } from "../calls/call-result.ts";
import type { PluginInfo } from "../plugin-info.ts";

/** The part of an engine a typed client uses: `Engine` and `connectEngine`'s remote engine both fit. */
export interface CallingEngine {
  call(name: string, exportName: string, input?: CallInput, options?: CallOptions): Promise<CallResult>;
  get(name: string): PluginInfo | undefined | Promise<PluginInfo | undefined>;
}

/** One export's types: what it takes and what it returns (`threadspace bindgen --lang ts` writes these). */
export interface ExportTypes {
  readonly input: unknown;
  readonly output: unknown;
}

/** How each export's input and output travel (from plugin.json `exports`); absent: as `engine.call` does. */
export type ExportEncodings = Readonly<Record<string, { readonly input?: PayloadEncoding; readonly output?: PayloadEncoding }>>;

/** A typed method: the input may be left out when its type admits `undefined`. */
type Method<T extends ExportTypes> = undefined extends T["input"]
  ? (input?: T["input"], options?: CallOptions) => Promise<T["output"]>
  : (input: T["input"], options?: CallOptions) => Promise<T["output"]>;

/** A plugin as an object with one async method per export. */
export type TypedPlugin<T> = { readonly [K in keyof T & string]: T[K] extends ExportTypes ? Method<T[K]> : never };

function encodeInput(encoding: PayloadEncoding | undefined, input: unknown): CallInput {
  // JSON payloads are sent as JSON text even when the value is a string ("World" → "\"World\"").
  if (encoding === "json") return input === undefined ? "" : JSON.stringify(input);
  return input as CallInput;
}

function decodeOutput(encoding: PayloadEncoding | undefined, result: CallResult): unknown {
  if (encoding === "json") return result.json();
  if (encoding === "text") return result.text();
  if (encoding === "bytes") return result.bytes;
  return result;
}

/** The encodings plugin.json declares, read from `engine.get(name).exports`. */
function encodingsOf(info: PluginInfo | undefined): ExportEncodings {
  const out: Record<string, { input?: PayloadEncoding; output?: PayloadEncoding }> = {};
  for (const entry of info?.exports ?? []) {
    out[entry.name] = {
      ...(entry.input === undefined ? {} : { input: entry.input.encoding ?? "json" }),
      ...(entry.output === undefined ? {} : { output: entry.output.encoding ?? "json" }),
    };
  }
  return out;
}

/**
 * A typed client for one installed plugin: `client.greet(input)` calls the export `greet`,
 * encoding the input and decoding the output as its schema says (JSON values, text, or bytes; an
 * export without an output schema returns the `CallResult`). The types come from
 * `threadspace bindgen <dir> --lang ts`; the encodings from `encodings` (bindgen writes them too)
 * or, when left out, from `engine.get(name).exports`, read at the first call and kept. Inputs
 * are still checked by the engine (`bad_input` with the JSON path).
 *
 * @example
 * const hello = typedPlugin<HelloExports>(engine, "hello");
 * const text = await hello.greet("World"); // "Hello, World!"
 */
export function typedPlugin<T>(engine: CallingEngine, name: string, encodings?: ExportEncodings): TypedPlugin<T> {
  let known: Promise<ExportEncodings> | undefined = encodings === undefined ? undefined : Promise.resolve(encodings);
  const methods = new Map<string, (input?: unknown, options?: CallOptions) => Promise<unknown>>();
  const method = (exportName: string) => async (input?: unknown, options?: CallOptions): Promise<unknown> => {
    known ??= Promise.resolve(engine.get(name)).then(encodingsOf, () => ({}));
    const table = await known;
    const entry = Object.hasOwn(table, exportName) ? table[exportName] : undefined;
    const result = await engine.call(name, exportName, encodeInput(entry?.input, input), options);
    return decodeOutput(entry?.output, result);
  };
  return new Proxy(Object.create(null) as TypedPlugin<T>, {
    get(_target, key) {
      // Not a thenable (await on the client returns it), and no symbol or prototype lookups.
      if (typeof key !== "string" || key === "then") return undefined;
      let fn = methods.get(key);
      if (fn === undefined) {
        fn = method(key);
        methods.set(key, fn);
      }
      return fn;
    },
  });
}
