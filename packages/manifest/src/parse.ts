import type { LinkedModuleEntry } from "./compat-fields.ts";
import { ThreadspaceError, messageOf, type ThreadspaceIssue } from "@threadspace/errors";
import * as v from "valibot";
import { BoundedTextMap } from "./bounded-text-map.ts";
import { cloneJsonObject, deepFreeze } from "./clone-json.ts";
import { manifestErrorMessage } from "./error-message.ts";
import { extraChecks, selfDependency } from "./extra-checks.ts";
import { fromValibot, sortIssues, toPublicIssue } from "./issues.ts";
import type { PluginManifest } from "./manifest.ts";
import { nameProblem } from "./name-rule.ts";
import type { PermissionName } from "./permissions.ts";
import { manifestText, parseManifestText } from "./read-input.ts";
import { manifestSchema, type ManifestSchemaOutput } from "./schema.ts";
import { isJsonObject } from "./valibot-helpers.ts";

/** Options of {@link parseManifest} and {@link safeParseManifest}. */
export interface ParseManifestOptions {
  /** Where the manifest came from (a file path or URL), named in the error message. */
  readonly source?: string | undefined;
}

/** What {@link safeParseManifest} returns: the manifest, or every issue found. */
export type SafeParseManifestResult =
  | { success: true; output: PluginManifest; issues: [] }
  | { success: false; output: undefined; issues: ThreadspaceIssue[] };

interface Checked {
  readonly output?: PluginManifest;
  readonly issues: ThreadspaceIssue[];
  /** The plugin's name when the document has a valid one, for error messages. */
  readonly name?: string | undefined;
}

/** The manifest of a schema output, deeply frozen: it may be shared by every parse of the same text. */
function build(out: ManifestSchemaOutput, raw: Record<string, unknown>): PluginManifest {
  const { config, configSchema, exports } = raw;
  return deepFreeze({
    name: out.name,
    version: out.version,
    description: out.description,
    author: out.author,
    dependencies: [...out.dependencies],
    capabilities: [...out.capabilities],
    config: isJsonObject(config) ? cloneJsonObject(config) : {},
    main: out.main,
    ...(out.hash === undefined ? {} : { hash: out.hash }),
    permissions: [...out.permissions] as PermissionName[],
    subscriptions: [...out.subscriptions],
    ...(isJsonObject(configSchema) ? { configSchema: cloneJsonObject(configSchema) } : {}),
    limits: cloneJsonObject({ ...out.limits }) as PluginManifest["limits"],
    ...(out.engine === undefined ? {} : { engine: out.engine }),
    interface: out.interface,
    ...(out.allowedHosts === undefined ? {} : { allowedHosts: [...out.allowedHosts] }),
    ...(out.modules === undefined ? {} : { modules: linkedModules(out.modules) }),
    ...(isJsonObject(exports) ? { exports: cloneJsonObject(exports) as PluginManifest["exports"] & object } : {}),
  });
}

/** A fresh copy of `modules` with no prototype (module names come from the document). */
function linkedModules(modules: Record<string, LinkedModuleEntry>): Record<string, LinkedModuleEntry> {
  const out = Object.create(null) as Record<string, LinkedModuleEntry>;
  for (const [name, entry] of Object.entries(modules)) out[name] = { path: entry.path, ...(entry.hash === undefined ? {} : { hash: entry.hash }) };
  return out;
}

/**
 * Manifests that passed every check, by their exact JSON text (what `JSON.parse` read):
 * validation is a pure function of that text, so the same text needs no second pass, and the
 * same frozen manifest is returned again. Only valid manifests are kept.
 */
const validated = new BoundedTextMap<PluginManifest>(64);

/**
 * The same, by the text with `name` set aside ({@link nameFreeText}): the schema checks each
 * field on its own, so a document that differs only in its name is the same manifest but for
 * the name (its other fields, frozen, are shared), once that name passes its own rule and the
 * one cross-field check that involves it (a dependency on itself).
 */
const validatedButName = new BoundedTextMap<PluginManifest>(64);

/** The document's JSON text with its name replaced by one fixed value (key order kept). */
function nameFreeText(raw: Record<string, unknown>): string {
  return JSON.stringify({ ...raw, name: 0 });
}

/**
 * The manifest of a document like a kept one but for its name; undefined when its name or the
 * self-dependency check fails (then it is checked in full). Every other check sees the same
 * document as the kept one's (the texts differ only in the name), so it passes as that one did.
 */
function withName(known: PluginManifest, raw: Record<string, unknown>): PluginManifest | undefined {
  const name = v.safeParse(manifestSchema.entries.name, raw["name"], { abortPipeEarly: true });
  if (!name.success || selfDependency({ name: name.output, dependencies: known.dependencies }).length > 0) return undefined;
  return Object.freeze({ ...known, name: name.output });
}

function check(input: unknown): Checked {
  const text = manifestText(input);
  if ("issue" in text) return { issues: [toPublicIssue(text.issue)] };
  // The same text validated before: the same frozen manifest, without parsing the text again.
  const known = validated.get(text.text);
  if (known !== undefined) return { output: known, issues: [], name: known.name };
  const read = parseManifestText(text.text);
  if (!read.ok) return { issues: [toPublicIssue(read.issue)] };
  const raw = read.value;
  const shape = nameFreeText(raw);
  const similar = validatedButName.get(shape);
  const renamed = similar === undefined ? undefined : withName(similar, raw);
  if (renamed !== undefined) {
    validated.set(read.text, renamed);
    return { output: renamed, issues: [], name: renamed.name };
  }
  const result = v.safeParse(manifestSchema, raw, { abortPipeEarly: true });
  const found = [...(result.issues === undefined ? [] : fromValibot(result.issues)), ...extraChecks(raw)];
  const name = typeof raw["name"] === "string" && nameProblem(raw["name"]) === undefined ? raw["name"] : undefined;
  if (found.length === 0 && result.success) {
    const manifest = build(result.output, raw);
    validated.set(read.text, manifest);
    validatedButName.set(shape, manifest);
    return { output: manifest, issues: [], name };
  }
  if (found.length === 0) found.push({ segments: [], message: "the manifest is invalid." });
  return { issues: sortIssues(found, Object.keys(raw)).map(toPublicIssue), name };
}

function checkSafely(input: unknown): Checked {
  try {
    return check(input);
  } catch (error) {
    return { issues: [{ path: "$", message: `the manifest could not be read (${messageOf(error)}): pass JSON text, UTF-8 bytes or plain JSON data.` }] };
  }
}

/**
 * Validates a plugin.json and returns it with defaults filled in, deeply frozen (the same text
 * parsed again returns the same object). `input` is JSON text, UTF-8
 * bytes (`Uint8Array`/`ArrayBuffer`) or an already-parsed value. Throws a `ThreadspaceError`
 * with code `manifest_invalid` whose `issues` list every problem with its JSON path.
 *
 * @example
 * const manifest = parseManifest(await readFile("plugin.json", "utf8"), { source: "plugin.json" });
 */
export function parseManifest(input: unknown, options: ParseManifestOptions = {}): PluginManifest {
  const checked = checkSafely(input);
  if (checked.output !== undefined) return checked.output;
  throw new ThreadspaceError("manifest_invalid", manifestErrorMessage(checked.issues, options.source), {
    plugin: checked.name,
    issues: checked.issues,
  });
}

/**
 * Like {@link parseManifest}, but returns `{ success, output, issues }` instead of throwing.
 * Never throws, whatever the input.
 *
 * @example
 * const result = safeParseManifest(text);
 * if (!result.success) for (const { path, message } of result.issues) console.log(path, message);
 */
export function safeParseManifest(input: unknown, _options: ParseManifestOptions = {}): SafeParseManifestResult {
  const checked = checkSafely(input);
  return checked.output === undefined ? { success: false, output: undefined, issues: checked.issues } : { success: true, output: checked.output, issues: [] };
}
