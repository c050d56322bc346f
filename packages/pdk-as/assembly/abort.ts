// The abort handler for plugins built with the PDK. AssemblyScript calls `abort` on a failed
// assert, an out-of-bounds access, out of memory, etc.; without a handler the module imports
// `env.abort`, which Extism does not provide, and the engine refuses it.
//
// Select it when compiling (the PDK's asconfig.json does this):
//   --use abort=~lib/@threadspace/pdk-as/assembly/abort/threadspaceAbort
//
// It is deliberately NOT exported (an exported function would become a wasm export). It reports
// the message with Extism `error_set` (hosts that keep the error after a trap show it) and
// `log_error` (the JS SDK drops `error_set` when the call traps but passes logs to its logger),
// then traps: after an abort the program must not go on. `threadspace build` compiles it into
// every AssemblyScript plugin, also those that do not import the PDK.
import { error_set, log_error } from "@extism/as-pdk/lib/env";
import { blockFromString } from "./io";

let aborting = false;

function threadspaceAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  // An abort while reporting an abort (e.g. out of memory) must not recurse.
  if (aborting) unreachable();
  aborting = true;
  let text = "abort";
  if (message !== null) text = message;
  if (fileName !== null) text += " (at " + fileName + ":" + line.toString() + ":" + column.toString() + ")";
  log_error(blockFromString("abort: " + text));
  error_set(blockFromString(text));
  aborting = false; // the JS SDK keeps the instance after a trap: the next abort reports again
  unreachable();
}
