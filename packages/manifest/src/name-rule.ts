import { quote } from "./describe-value.ts";

/** The pattern of plugin names (`my_plugin`, `pattern-recognizer`). */
export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** The longest plugin name accepted. */
export const MAX_PLUGIN_NAME_LENGTH = 64;

/**
 * Names the engine itself uses as an event source, a thread author, a log source or a storage
 * owner (`"host"` is the embedder's): a plugin under one of them could pass for the engine.
 */
export const RESERVED_PLUGIN_NAMES: ReadonlySet<string> = new Set(["host", "engine", "threadspace", "system", "extism", "embedder", "plugin", "core"]);

/** A valid name close to `name` (`My Plugin` → `my_plugin`), or `undefined` when none can be made. */
function fixName(name: string): string | undefined {
  const fixed = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/_+$/, "")
    .slice(0, MAX_PLUGIN_NAME_LENGTH);
  return PLUGIN_NAME_PATTERN.test(fixed) && fixed !== name ? fixed : undefined;
}

/** What is wrong with a plugin name, or `undefined` when it is valid. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return `the name is empty: give a lowercase name such as "my_plugin".`;
  if (name.length > MAX_PLUGIN_NAME_LENGTH) {
    return `the name is ${name.length} characters long; the limit is ${MAX_PLUGIN_NAME_LENGTH}.`;
  }
  if (RESERVED_PLUGIN_NAMES.has(name)) {
    return `${quote(name)} is reserved: the engine uses it for itself (as the source of its events, the author of thread entries and logs, or the owner of the embedder's data). Pick another name, e.g. ${quote(`${name}_plugin`)}. Reserved: ${[...RESERVED_PLUGIN_NAMES].join(", ")}.`;
  }
  if (PLUGIN_NAME_PATTERN.test(name)) return undefined;
  const fixed = fixName(name);
  const hint = fixed === undefined ? "" : ` Did you mean ${quote(fixed)}?`;
  return `${quote(name)} is not a valid plugin name: it must match ${PLUGIN_NAME_PATTERN.source} (a lowercase letter first, then lowercase letters, digits, "_" or "-"), e.g. "my_plugin".${hint}`;
}
