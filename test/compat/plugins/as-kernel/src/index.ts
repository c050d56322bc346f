// A plain Extism plugin in AssemblyScript with @extism/as-pdk, as written for any Extism host:
// config, vars, logs, a custom extism:host/user function and HTTP. Built by scripts/build-compat.mjs.
import { Config, Host, LogLevel, Memory, Var } from "@extism/as-pdk";

@external("extism:host/user", "hello_world")
declare function hello_world(name: u64): u64;

@external("extism:host/env", "http_request")
declare function http_request(request: u64, body: u64): u64;

@external("extism:host/env", "http_status_code")
declare function http_status_code(): i32;

@external("extism:host/env", "length")
declare function block_length(handle: u64): u64;

function outputText(text: string): void {
  // ASCII only here (as-pdk's outputString writes the UTF-16 length as the byte length).
  Host.output(Uint8Array.wrap(String.UTF8.encode(text)));
}

export function greet(): i32 {
  const greeting = Config.get("greeting");
  outputText((greeting === null ? "hello" : greeting) + ", " + Host.inputString());
  return 0;
}

export function count(): i32 {
  const stored = Var.getString("n");
  const n = (stored === null ? 0 : I32.parseInt(stored)) + 1;
  Var.set("n", Uint8Array.wrap(String.UTF8.encode(n.toString())));
  outputText(n.toString());
  return 0;
}

export function log_input(): i32 {
  Host.log(LogLevel.Info, Host.inputString());
  outputText("logged");
  return 0;
}

export function hello(): i32 {
  const input = Memory.allocateBytes(Host.input());
  const answer = hello_world(input.offset);
  Host.outputMemory(new Memory(answer, block_length(answer)));
  return 0;
}

export function fetch_status(): i32 {
  const request = Memory.allocateBytes(Host.input());
  const body = http_request(request.offset, 0);
  const length = body == 0 ? 0 : block_length(body);
  outputText(http_status_code().toString() + " " + length.toString());
  return 0;
}
