// {{name}}: a Threadspace plugin in AssemblyScript, made by `threadspace init-plugin`.
//
//   greet("Ada")      -> "Hello, Ada! (visit #1)"   (greeting from config key "greeting")
//   remember("text")  -> stores the text as a memory tagged "note", replies with its id
//   recall("note")    -> {"tag":"note","count":N}: counts the memories with that tag, emits
//                        notes.recalled {"tag","count"} and logs it
//
// Build: npx threadspace build      Test: npx threadspace test      Pack: npx threadspace pack
// Tests: tests/cases.json (calls and their outputs) and tests/plugin.test.ts (Vitest, @threadspace/testing).
import { Config, Events, JsonObject, Kv, Log, Memory, MemoryQuery, Plugin, inputText, output } from "@threadspace/pdk-as";

// get_metadata must report plugin.json's name and version: the engine compares them at install.
const METADATA = '{"name":"{{name}}","version":"0.1.0","capabilities":["greeting"]}';

let served: i64 = 0;

/** Runs once when the engine starts the plugin: fail here (Plugin.fail) to refuse to start. */
export function init_plugin(): i32 {
  served = 0;
  return Plugin.OK;
}

export function get_metadata(): i32 {
  return Plugin.metadata(METADATA);
}

/** Polled by the engine's health monitor. */
export function health_check(): i32 {
  return Plugin.healthy("served " + served.toString() + " greetings");
}

/** Runs when the plugin is unloaded. */
export function cleanup(): i32 {
  return Plugin.OK;
}

/** Input: a name (UTF-8; empty means "World"). Output: a greeting that counts visits per name. */
export function greet(): i32 {
  let name = inputText();
  if (name.length == 0) name = "World";
  const seen = Kv.get("visits:" + name);
  if (!seen.ok) return Plugin.fail("could not read visits: " + seen.message);
  const visits = seen.int() + 1;
  const stored = Kv.set("visits:" + name, visits);
  if (!stored.ok) return Plugin.fail("could not store visits: " + stored.message);
  Log.info("greeted " + name);
  served++;
  output(Config.string("greeting", "Hello") + ", " + name + "! (visit #" + visits.toString() + ")");
  return 0;
}

/** Input: text. Stores it as a memory tagged "note"; output: the memory's id. */
export function remember(): i32 {
  const text = inputText();
  if (text.length == 0) return Plugin.fail("nothing to remember: send the text as input");
  const stored = Memory.put(text, ["note"]);
  if (!stored.ok) return Plugin.fail("could not store the memory: " + stored.message);
  output(stored.record!.id);
  return 0;
}

/** Input: a tag (empty means "note"). Output: {"tag","count"}; emits notes.recalled with the same. */
export function recall(): i32 {
  let tag = inputText();
  if (tag.length == 0) tag = "note";
  const found = Memory.query(new MemoryQuery().withTag(tag).withLimit(1000));
  if (!found.ok) return Plugin.fail("could not read memories: " + found.message);
  const summary = new JsonObject().set("tag", tag).set("count", found.records.length);
  const emitted = Events.emit("notes.recalled", summary);
  if (!emitted.ok) return Plugin.fail("could not emit notes.recalled: " + emitted.message);
  Log.info("recalled " + found.records.length.toString() + " memories tagged " + tag);
  output(summary.toString());
  return 0;
}
