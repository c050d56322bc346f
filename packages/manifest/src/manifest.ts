import type { ExportSchema } from "./export-rules.ts";
import type { PermissionName } from "./permissions.ts";
import type { PluginLimits } from "./plugin-limits.ts";
import type { LinkedModuleEntry } from "./compat-fields.ts";

/**
 * A validated plugin.json with every default filled in. `parseManifest` returns it deeply
 * frozen: it holds only the known fields, shares nothing with the input, and may be shared by
 * every parse of the same text (copy it with `structuredClone` to change it).
 */
export interface PluginManifest {
  /** Unique plugin name, `^[a-z][a-z0-9_-]*$`, 1–64 characters, e.g. `my_plugin`. */
  readonly name: string;
  /** Semver version, e.g. `1.0.0`. */
  readonly version: string;
  /** What the plugin does (default `""`). */
  readonly description: string;
  /** Who wrote it (default `""`). */
  readonly author: string;
  /** Plugins it needs: `name` or `name@<semver range>` (default `[]`). */
  readonly dependencies: readonly string[];
  /** What it offers, for discovery (`engine.findByCapability`) (default `[]`). */
  readonly capabilities: readonly string[];
  /** Default settings; `enabled`, `interval`, `log_level`, `features` are typed (default `{}`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The wasm file, relative to plugin.json (default `plugin.wasm`). */
  readonly main: string;
  /** `sha256:<64 hex>` of the wasm, checked before it is compiled. */
  readonly hash?: string;
  /** Host APIs it asks for (default `[]`). */
  readonly permissions: readonly PermissionName[];
  /** Event topics delivered to its `on_event` export (default `[]`). */
  readonly subscriptions: readonly string[];
  /** A JSON-Schema subset that config overrides must satisfy. */
  readonly configSchema?: Readonly<Record<string, unknown>>;
  /** Resource limits it asks for; the host's policy caps them (default `{}`). */
  readonly limits: Readonly<PluginLimits>;
  /** Semver range of the host ABI it was built for. */
  readonly engine?: string;
  /** `threadspace` requires `init_plugin` and `get_metadata`; `extism` is a plain Extism plugin (default `threadspace`). */
  readonly interface: "threadspace" | "extism";
  /** Hosts it may reach over HTTP (Extism's `http_request`), patterns with `*`; needs the `http` permission. */
  readonly allowedHosts?: readonly string[];
  /** Other wasm modules linked with `main`, by the import namespace `main` uses for them. */
  readonly modules?: Readonly<Record<string, LinkedModuleEntry>>;
  /** Callable exports and the schemas of their input and output (docs/exports.md); absent in older manifests. */
  readonly exports?: Readonly<Record<string, ExportSchema>>;
}
