// Input, output and Extism memory blocks, all UTF-8 correct.
//
// @extism/as-pdk's Host.outputString writes the UTF-16 length as the byte length, which cuts or
// pads non-ASCII text; everything here encodes with String.UTF8 and uses byte lengths.
import {
  alloc,
  error_set,
  free,
  input_length,
  input_load_u64,
  input_load_u8,
  length,
  load_u64,
  load_u8,
  output_set,
  store_u64,
  store_u8,
} from "@extism/as-pdk/lib/env";
import { Json, JsonValue } from "./json";

/** Copies bytes into a new Extism memory block and returns its handle. */
export function blockFromBytes(bytes: Uint8Array): u64 {
  const n = bytes.length;
  const handle = alloc(<u64>n);
  const base = bytes.dataStart;
  let i = 0;
  for (; i + 8 <= n; i += 8) store_u64(handle + <u64>i, load<u64>(base + <usize>i));
  for (; i < n; i++) store_u8(handle + <u64>i, load<u8>(base + <usize>i));
  return handle;
}

/**
 * `text` as UTF-8 bytes. A lone UTF-16 surrogate (which UTF-8 cannot hold) becomes U+FFFD, so
 * the bytes are always valid UTF-8.
 */
export function utf8(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE));
}

/** Encodes text as UTF-8 into a new Extism memory block and returns its handle. */
export function blockFromString(text: string): u64 {
  return blockFromBytes(utf8(text));
}

/** The bytes of an Extism memory block (empty for handle 0). */
export function blockBytes(handle: u64): Uint8Array {
  if (handle == 0) return new Uint8Array(0);
  const n = <i32>length(handle);
  const bytes = new Uint8Array(n);
  const base = bytes.dataStart;
  let i = 0;
  for (; i + 8 <= n; i += 8) store<u64>(base + <usize>i, load_u64(handle + <u64>i));
  for (; i < n; i++) store<u8>(base + <usize>i, load_u8(handle + <u64>i));
  return bytes;
}

/** The UTF-8 text of an Extism memory block ("" for handle 0). */
export function blockString(handle: u64): string {
  const bytes = blockBytes(handle);
  return String.UTF8.decode(bytes.buffer);
}

/** Frees an Extism memory block (handle 0 is ignored). */
export function freeBlock(handle: u64): void {
  if (handle != 0) free(handle);
}

/** The call's input as bytes. */
export function inputBytes(): Uint8Array {
  const n = <i32>input_length();
  const bytes = new Uint8Array(n);
  const base = bytes.dataStart;
  let i = 0;
  for (; i + 8 <= n; i += 8) store<u64>(base + <usize>i, input_load_u64(<u64>i));
  for (; i < n; i++) store<u8>(base + <usize>i, input_load_u8(<u64>i));
  return bytes;
}

/**
 * The call's input as text, decoded from UTF-8. (AssemblyScript's decoder does not check the
 * bytes: invalid UTF-8 decodes to unspecified characters. Use inputBytes() to inspect them.)
 */
export function inputText(): string {
  return String.UTF8.decode(inputBytes().buffer);
}

/**
 * The call's input parsed as JSON, or null when it is not valid JSON (Json.lastError() says
 * why). An empty input is not JSON.
 */
export function inputJson(): JsonValue | null {
  return Json.parse(inputText());
}

/** Sets the call's output to these bytes. */
export function outputBytes(bytes: Uint8Array): void {
  output_set(blockFromBytes(bytes), <u64>bytes.length);
}

/** Sets the call's output to `text`, encoded as UTF-8. */
export function output(text: string): void {
  outputBytes(utf8(text));
}

/** Sets the call's output to `value` as JSON (anything Json.stringify accepts). */
export function outputJson<T>(value: T): void {
  output(Json.stringify<T>(value));
}

/**
 * Reports an error for the current call (Extism `error_set`): once the export returns, the call
 * fails with this message. Return a non-zero code from the export after calling it.
 */
export function setError(message: string): void {
  error_set(blockFromString(message));
}
