// {{name}}: a Threadspace plugin in AssemblyScript, made by `threadspace init-plugin`.
//
//   greet("Ada") -> "Hello, Ada! (visit #1)"   (greeting from config key "greeting")
//
// Build: npx threadspace build      Test: npx threadspace test      Pack: npx threadspace pack
import { Config, Kv, Log, Plugin, inputText, output } from "@threadspace/pdk-as";

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
