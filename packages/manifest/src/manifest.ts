import type { ExportSchema } from "./export-rules.ts";
import type { PermissionName } from "./permissions.ts";
import type { PluginLimits } from "./plugin-limits.ts";
import type { LinkedModuleEntry } from "./compat-fields.ts";

/**
 * A validated plugin.json with every default filled in. Built fresh by `parseManifest`: it
 * holds only the known fields, and shares nothing with the input.
 */
export interface PluginManifest {
  /** Unique plugin name, `^[a-z][a-z0-9_-]*$`, 1–64 characters, e.g. `my_plugin`. */
  name: string;
  /** Semver version, e.g. `1.0.0`. */
  version: string;
  /** What the plugin does (default `""`). */
  description: string;
  /** Who wrote it (default `""`). */
  author: string;
  /** Plugins it needs: `name` or `name@<semver range>` (default `[]`). */
  dependencies: string[];
  /** What it offers, for discovery (`engine.findByCapability`) (default `[]`). */
  capabilities: string[];
  /** Default settings; `enabled`, `interval`, `log_level`, `features` are typed (default `{}`). */
  config: Record<string, unknown>;
  /** The wasm file, relative to plugin.json (default `plugin.wasm`). */
  main: string;
  /** `sha256:<64 hex>` of the wasm, checked before it is compiled. */
  hash?: string;
  /** Host APIs it asks for (default `[]`). */
  permissions: PermissionName[];
  /** Event topics delivered to its `on_event` export (default `[]`). */
  subscriptions: string[];
  /** A JSON-Schema subset that config overrides must satisfy. */
  configSchema?: Record<string, unknown>;
  /** Resource limits it asks for; the host's policy caps them (default `{}`). */
  limits: PluginLimits;
  /** Semver range of the host ABI it was built for. */
  engine?: string;
  /** `threadspace` requires `init_plugin` and `get_metadata`; `extism` is a plain Extism plugin (default `threadspace`). */
  interface: "threadspace" | "extism";
  /** Hosts it may reach over HTTP (Extism's `http_request`), patterns with `*`; needs the `http` permission. */
  allowedHosts?: string[];
  /** Other wasm modules linked with `main`, by the import namespace `main` uses for them. */
  modules?: Record<string, LinkedModuleEntry>;
  /** Callable exports and the schemas of their input and output (docs/exports.md); absent in older manifests. */
  exports?: Readonly<Record<string, ExportSchema>>;
}
