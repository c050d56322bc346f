// AssemblyScript abort handler for Extism plugins that do not use @threadspace/pdk-as (which has
// its own), compiled in by `threadspace build` and scripts/build-examples.mjs as a virtual entry
// file (`--use abort=__threadspace_abort/threadspaceAbort`, see src/build/plugin-build.js).
//
// Without it, asc imports `env.abort`, which Extism does not provide, and the module fails to
// link. The function is deliberately NOT exported (an exported one would become a wasm export).
//
// It reports the message through Extism's `error_set` (hosts that keep the error after a trap,
// such as the Rust runtime, show it) and `log_error` (the JS SDK drops `error_set` when the call
// traps, but passes logs to its logger), then traps: after an abort the program must not go on.
import { alloc, error_set, log_error, store_u8 } from "@extism/as-pdk/lib/env";

let aborting = false;

function toBlock(text: string): u64 {
  const bytes = Uint8Array.wrap(String.UTF8.encode(text));
  const handle = alloc(<u64>bytes.length);
  for (let i = 0; i < bytes.length; i++) store_u8(handle + <u64>i, bytes[i]);
  return handle;
}

function threadspaceAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  // An abort while reporting an abort (e.g. out of memory) must not recurse.
  if (aborting) unreachable();
  aborting = true;
  let text = "abort";
  if (message !== null) text = message;
  if (fileName !== null) text += " (at " + fileName + ":" + line.toString() + ":" + column.toString() + ")";
  log_error(toBlock("abort: " + text));
  error_set(toBlock(text));
  aborting = false; // the JS SDK keeps the instance after a trap: the next abort reports again
  unreachable();
}
