/**
 * Every code a {@link ThreadspaceError} can carry. Codes are stable: embedders switch on them.
 */
export type ThreadspaceErrorCode =
  /** plugin.json (or another manifest) failed validation; `issues` lists every problem. */
  | "manifest_invalid"
  /** The wasm's sha256 differs from the manifest's `hash`. */
  | "hash_mismatch"
  /** The bytes are not a WebAssembly module, or it failed to compile or link. */
  | "wasm_invalid"
  /** A plugin named in `dependencies` is not installed. */
  | "dependency_missing"
  /** A dependency is installed at a version outside the requested range. */
  | "dependency_version"
  /** Dependencies form a cycle. */
  | "dependency_cycle"
  /** Other plugins depend on the one being unloaded. */
  | "dependency_in_use"
  /** A plugin with that name is already installed. */
  | "already_installed"
  /** Data kept under a plugin name belongs to a different plugin (another wasm or signer): install with `{ data: "inherit" }` or `{ data: "discard" }`, or `engine.data.remove(name)`. */
  | "data_conflict"
  /** No plugin with that name is installed. */
  | "plugin_not_found"
  /** A required or requested export does not exist. */
  | "export_missing"
  /** `init_plugin` failed. */
  | "init_failed"
  /** `get_metadata` returned something that does not match plugin.json. */
  | "metadata_mismatch"
  /** plugin.json's `engine` range does not include the host ABI version this engine serves. */
  | "engine_incompatible"
  /** The plugin trapped (unreachable, out-of-bounds access, stack overflow, ...). */
  | "plugin_trap"
  /** The plugin reported an error itself (Extism `error_set`). */
  | "plugin_error"
  /** The plugin is installed but cannot serve calls (unloaded, disabled, failed). */
  | "plugin_unavailable"
  /** The install source could not be read (missing file, HTTP error, unsupported form). */
  | "source_invalid"
  /** A call input could not be encoded or breaks its export's input schema (plugin.json `exports`: `issues` give the JSON paths; nothing ran), or an output could not be decoded as asked. */
  | "bad_input"
  | "bad_output"
  /** The engine was closed. */
  | "engine_closed"
  /** A plugin's config (plugin.json defaults or `engine.config.set` overrides) failed validation; `issues` lists every problem. */
  | "config_invalid"
  /** Reserved for the host API, limits and storage layers. */
  | "permission_denied"
  | "timeout"
  | "memory_limit"
  | "quota_exceeded"
  /** The storage cannot be used: closed, deleted (another tab, "clear site data"), upgraded elsewhere, damaged or unwritable. Nothing was silently lost: the message says what happened. */
  | "storage_unavailable"
  | "busy"
  /** A per-call limit was exceeded (input or output size, host calls, events per second). */
  | "limit_exceeded"
  /** A `.tsp` bundle cannot be used: not a zip, unexpected or unsafe entries, over a size cap, missing plugin.json or wasm. */
  | "bundle_invalid"
  /** A `.tsp` bundle's signature does not verify: plugin.json or the wasm changed after signing, or signature.json is damaged. */
  | "signature_invalid"
  /** The engine requires a trusted signature (`requireSignature`) and the bundle is unsigned or signed by a key not in `trustedKeys`. */
  | "signature_untrusted"
  /** The call used up its fuel budget (instructions): `limits.fuel` in plugin.json, the host's policy, or the call's `{ fuel }`. */
  | "fuel_exhausted"
  /** A plugin's HTTP request (Extism `http_request`) failed: network error, timeout, a response over the cap, or the embedder's outbound hook refused it. */
  | "http_failed"
  /**
   * The plugin's output does not match its export's output schema (plugin.json `exports`; checked
   * only in debug mode, `createEngine({ checkOutputs: true })`); `issues` give the JSON paths. The
   * call's writes were discarded. Fix the plugin or the schema (docs/exports.md).
   */
  | "output_invalid";

/** The list of codes, for runtime checks (for example when errors cross a worker boundary). */
export const THREADSPACE_ERROR_CODES: readonly ThreadspaceErrorCode[] = [
  "manifest_invalid",
  "hash_mismatch",
  "wasm_invalid",
  "dependency_missing",
  "dependency_version",
  "dependency_cycle",
  "dependency_in_use",
  "already_installed",
  "data_conflict",
  "plugin_not_found",
  "export_missing",
  "init_failed",
  "metadata_mismatch",
  "plugin_trap",
  "plugin_error",
  "plugin_unavailable",
  "source_invalid",
  "bad_input",
  "bad_output",
  "engine_closed",
  "config_invalid",
  "permission_denied",
  "timeout",
  "memory_limit",
  "quota_exceeded",
  "storage_unavailable",
  "busy",
  "limit_exceeded",
  "bundle_invalid",
  "signature_invalid",
  "signature_untrusted",
  "fuel_exhausted",
  "http_failed",
  "output_invalid",
];
