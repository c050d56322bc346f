import * as v from "valibot";
import { describeValue, quote } from "./describe-value.ts";
import { hashProblem, mainProblem } from "./field-rules.ts";
import { jsonObject, list, rule, text } from "./valibot-helpers.ts";

/** Most host patterns a plugin may list in `allowedHosts`. */
export const MAX_ALLOWED_HOSTS = 64;
/** Most linked modules a plugin may name in `modules`. */
export const MAX_LINKED_MODULES = 16;

const HOST_PATTERN = /^[a-z0-9*]([a-z0-9*.-]{0,251}[a-z0-9*])?$/;
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]{0,63}$/;
/** Import namespaces a linked module's name may not take: the host serves them. */
const RESERVED_MODULES = new Set(["main", "extism:host/env", "extism:host/user", "wasi_snapshot_preview1", "threadspace:meter", "env"]);

/**
 * What is wrong with an `allowedHosts` pattern, or `undefined`: a lowercase host name where `*`
 * stands for any run of characters (`api.example.com`, `*.example.com`, `*`). No scheme, port or path.
 */
export function hostPatternProblem(pattern: string): string | undefined {
  if (HOST_PATTERN.test(pattern) && !pattern.includes("..")) return undefined;
  if (pattern.includes("://") || pattern.includes("/")) return `${quote(pattern)} is not a host name: write only the host, without scheme or path, e.g. "api.example.com" or "*.example.com".`;
  if (pattern !== pattern.toLowerCase() && HOST_PATTERN.test(pattern.toLowerCase())) return `${quote(pattern)} must be lowercase: write ${quote(pattern.toLowerCase())}.`;
  if (pattern.includes(":")) return `${quote(pattern)} names a port: list the host only, e.g. "localhost" (every port of an allowed host is allowed).`;
  return `${quote(pattern)} is not a host pattern: use lowercase letters, digits, "-", "." and "*" (any run of characters), e.g. "*.example.com".`;
}

/** What is wrong with a linked module's name (its import namespace), or `undefined`. */
export function moduleNameProblem(name: string): string | undefined {
  if (RESERVED_MODULES.has(name)) return `${quote(name)} is a namespace the host serves; name the module as the main module imports it, e.g. "math".`;
  if (!MODULE_NAME.test(name)) return `${quote(name)} is not a module name: 1 to 64 letters, digits, "_", ".", ":", "/" or "-", starting with a letter or "_".`;
  return undefined;
}

const linkedModule = v.object(
  {
    path: v.pipe(text(`the module's wasm file, e.g. "math.wasm"`), rule(mainProblem)),
    hash: v.exactOptional(v.pipe(text(`"sha256:" and 64 hex digits`), rule(hashProblem))),
  },
  (issue) => `must be an object { "path": "math.wasm", "hash": "sha256:..." }; got ${describeValue(issue.input)}.`,
);

/** plugin.json `allowedHosts`: hosts the plugin may reach over HTTP (with the `http` permission). */
export const allowedHostsSchema = v.pipe(
  list(v.pipe(text(`a host pattern, e.g. "*.example.com"`), rule(hostPatternProblem)), `host patterns, e.g. ["api.example.com", "*.example.org"]`),
  v.maxLength(MAX_ALLOWED_HOSTS, `lists more than ${MAX_ALLOWED_HOSTS} hosts; use a pattern such as "*.example.com".`),
);

/** plugin.json `modules`: other wasm modules linked with `main`, by the name `main` imports them under. */
export const modulesSchema = v.pipe(
  jsonObject(`linked modules by name, e.g. { "math": { "path": "math.wasm", "hash": "sha256:..." } }`),
  v.check((value) => Object.keys(value).length <= MAX_LINKED_MODULES, `names more than ${MAX_LINKED_MODULES} modules.`),
  v.check(
    (value) => Object.keys(value).every((name) => moduleNameProblem(name) === undefined),
    (issue) => Object.keys(issue.input).map(moduleNameProblem).find((p) => p !== undefined) ?? "has an invalid module name.",
  ),
  v.record(v.string(), linkedModule),
);

/** A linked module as plugin.json names it. */
export interface LinkedModuleEntry {
  /** The wasm file, relative to plugin.json. */
  path: string;
  /** `sha256:<64 hex>` of the file, checked before it is compiled. */
  hash?: string;
}
