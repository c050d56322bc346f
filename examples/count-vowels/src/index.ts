// count-vowels: Extism's classic demo as a Threadspace plugin (AssemblyScript + @extism/as-pdk).
//
//   count_vowels("Hello, World!") -> {"count":3,"total":3,"vowels":"aeiouAEIOU"}
//
// `count` is the number of vowels in the input (UTF-8; every code point is compared), `total`
// the running sum over all calls (kept in the Extism variable "total"), `vowels` the set used:
// config key "vowels", default "aeiouAEIOU".
import { Config, Host, Var } from "@extism/as-pdk";
// Generated from plugin.json's "exports" by `threadspace bindgen examples/count-vowels --lang as`.
import { CountVowelsOutput, readCountVowelsInput, writeCountVowelsOutput } from "./exports.generated";

// Must match plugin.json: the engine compares name and version, and the build checks them.
const METADATA =
  '{"name":"count-vowels","version":"1.0.0","description":"Counts the vowels in a text, like Extism\'s classic demo, keeping a running total across calls (AssemblyScript).","capabilities":["text-analysis"]}';
const DEFAULT_VOWELS = "aeiouAEIOU";
const TOTAL_VAR = "total";

let callsServed: u64 = 0;

function outputText(text: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(text)));
}

function vowels(): string {
  const configured = Config.get("vowels");
  if (configured !== null && configured.length > 0) return configured;
  return DEFAULT_VOWELS;
}

/** The code points of a string (surrogate pairs joined). */
function codePoints(text: string): Set<i32> {
  const set = new Set<i32>();
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i);
    if (cp > 0xffff) i++;
    set.add(cp);
  }
  return set;
}

function readTotal(): u64 {
  const stored = Var.getString(TOTAL_VAR);
  if (stored === null) return 0;
  return U64.parseInt(stored);
}

/** Nothing to set up: an empty or missing config.vowels means "aeiouAEIOU". */
export function init_plugin(): i32 {
  callsServed = 0;
  return 0;
}

export function get_metadata(): i32 {
  outputText(METADATA);
  return 0;
}

/** Input: any UTF-8 text. Output: {"count":N,"total":N,"vowels":"..."}. */
export function count_vowels(): i32 {
  const text = readCountVowelsInput();
  const set = vowels();
  const wanted = codePoints(set);
  let count: u64 = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i);
    if (cp > 0xffff) i++;
    if (wanted.has(cp)) count++;
  }
  const total = readTotal() + count;
  Var.set(TOTAL_VAR, Uint8Array.wrap(String.UTF8.encode(total.toString())));
  callsServed++;
  const out = new CountVowelsOutput();
  out.count = <i64>count;
  out.total = <i64>total;
  out.vowels = set;
  writeCountVowelsOutput(out);
  return 0;
}

export function health_check(): i32 {
  outputText(
    '{"status":"healthy","message":"counting vowels","metrics":{"calls":' + callsServed.toString() + ',"total":' + readTotal().toString() + "}}",
  );
  return 0;
}

export function cleanup(): i32 {
  return 0;
}
