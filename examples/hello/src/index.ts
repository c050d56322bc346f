// hello: the smallest Threadspace plugin, in AssemblyScript with @extism/as-pdk.
//
//   greet("Wörld 🌍") -> "Hello, Wörld 🌍!"   (greeting from config key "greeting", default "Hello")
//
// Lifecycle exports: init_plugin, get_metadata, health_check, cleanup.
// Built by `npm run build:examples` (see scripts/build-examples.mjs).
import { Config, Host, Memory } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";

// Must match plugin.json: the engine compares name and version, and the build checks them.
const METADATA =
  '{"name":"hello","version":"1.0.0","description":"Greets people by name, in any language. The smallest Threadspace plugin (AssemblyScript).","capabilities":["greeting"]}';
const DEFAULT_GREETING = "Hello";
const DEFAULT_NAME = "World";
const MAX_GREETING_BYTES = 100;

let callsServed: u64 = 0;

/** Outputs text as UTF-8. (as-pdk's Host.outputString gets the length wrong for non-ASCII text.) */
function outputText(text: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(text)));
}

/** Reports an error to the host (Extism `error_set`): the call fails with this message. */
function fail(message: string): i32 {
  error_set(Memory.allocateString(message).offset);
  return 1;
}

function greeting(): string {
  const configured = Config.get("greeting");
  if (configured !== null && configured.length > 0) return configured;
  return DEFAULT_GREETING;
}

/** Fails (error_set) when config.greeting is longer than 100 bytes; an empty one means "Hello". */
export function init_plugin(): i32 {
  const configured = Config.get("greeting");
  if (configured !== null) {
    const bytes = String.UTF8.byteLength(configured);
    if (bytes > MAX_GREETING_BYTES) {
      return fail("config.greeting must be at most " + MAX_GREETING_BYTES.toString() + " bytes of text; it is " + bytes.toString() + " bytes");
    }
  }
  callsServed = 0;
  return 0;
}

export function get_metadata(): i32 {
  outputText(METADATA);
  return 0;
}

/** Input: a name (UTF-8; empty means "World"). Output: "<greeting>, <name>!". */
export function greet(): i32 {
  let name = Host.inputString();
  if (name.length == 0) name = DEFAULT_NAME;
  outputText(greeting() + ", " + name + "!");
  callsServed++;
  return 0;
}

export function health_check(): i32 {
  outputText('{"status":"healthy","message":"serving greetings","metrics":{"calls":' + callsServed.toString() + "}}");
  return 0;
}

export function cleanup(): i32 {
  callsServed = 0;
  return 0;
}
