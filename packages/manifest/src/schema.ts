import * as v from "valibot";
import { describeValue } from "./describe-value.ts";
import { configSchema, configSchemaSchema } from "./config-rules.ts";
import { exportsSchema } from "./export-rules.ts";
import { dependencyProblem } from "./dependency.ts";
import { capabilityProblem, hashProblem, mainProblem, topicProblem } from "./field-rules.ts";
import { nameProblem } from "./name-rule.ts";
import { permissionProblem } from "./permissions.ts";
import { limitsSchema } from "./plugin-limits.ts";
import { allowedHostsSchema, modulesSchema } from "./compat-fields.ts";
import { rangeProblem, versionProblem } from "./version.ts";
import { list, rule, text } from "./valibot-helpers.ts";

/** Every top-level field of plugin.json, in the order the docs list them. */
export const MANIFEST_FIELDS = [
  "name",
  "version",
  "description",
  "author",
  "dependencies",
  "capabilities",
  "config",
  "main",
  "hash",
  "permissions",
  "subscriptions",
  "configSchema",
  "limits",
  "engine",
  "interface",
  "allowedHosts",
  "modules",
  "exports",
] as const;

const MAX_DESCRIPTION = 1024;
const MAX_AUTHOR = 256;

const REQUIRED: Record<string, string> = {
  name: `is required: the plugin's name, e.g. "name": "my_plugin".`,
  version: `is required: the plugin's semver version, e.g. "version": "1.0.0".`,
};

function missingField(issue: v.ObjectIssue): string {
  const key = issue.path?.[0]?.key;
  return (typeof key === "string" ? REQUIRED[key] : undefined) ?? `must be an object; got ${describeValue(issue.input)}.`;
}

function maxLength(limit: number) {
  return v.maxLength<string, number, (issue: v.MaxLengthIssue<string, number>) => string>(
    limit,
    (issue) => `is ${issue.input.length} characters long; the limit is ${limit}.`,
  );
}

/**
 * The valibot schema of plugin.json's known fields, with defaults. Cross-field and
 * whole-document checks (unknown fields, duplicates, self-dependency, prototype keys) live in
 * `extra-checks.ts`; `config` and `configSchema` are validated here and copied separately.
 */
export const manifestSchema = v.object(
  {
    name: v.pipe(text(`the plugin's name, e.g. "my_plugin"`), rule(nameProblem)),
    version: v.pipe(text(`a semver version, e.g. "1.0.0"`), rule(versionProblem)),
    description: v.optional(v.pipe(text("what the plugin does"), maxLength(MAX_DESCRIPTION)), ""),
    author: v.optional(v.pipe(text("who wrote the plugin"), maxLength(MAX_AUTHOR)), ""),
    dependencies: v.optional(
      list(v.pipe(text(`a dependency, "name" or "name@^1.2.0"`), rule(dependencyProblem)), `plugins this one needs, e.g. ["hello", "memory-analyzer@^1.2.0"]`),
      () => [],
    ),
    capabilities: v.optional(
      list(v.pipe(text(`a capability, e.g. "pattern-recognition"`), rule(capabilityProblem)), `what the plugin offers, e.g. ["pattern-recognition"]`),
      () => [],
    ),
    config: v.exactOptional(configSchema),
    main: v.optional(v.pipe(text(`the wasm file, e.g. "plugin.wasm"`), rule(mainProblem)), "plugin.wasm"),
    hash: v.exactOptional(v.pipe(text(`"sha256:" and 64 hex digits`), rule(hashProblem))),
    permissions: v.optional(
      list(v.pipe(text(`a permission, e.g. "memory:read"`), rule(permissionProblem)), `host APIs the plugin needs, e.g. ["memory:read", "log"]`),
      () => [],
    ),
    subscriptions: v.optional(
      list(v.pipe(text(`an event topic, e.g. "memory.created"`), rule(topicProblem)), `event topics, e.g. ["memory.created", "thread.*"]`),
      () => [],
    ),
    configSchema: v.exactOptional(configSchemaSchema),
    limits: v.exactOptional(limitsSchema),
    engine: v.exactOptional(v.pipe(text(`a semver range of the host ABI, e.g. "^1.0.0"`), rule(rangeProblem))),
    interface: v.optional(
      v.picklist(["threadspace", "extism"], (issue) => `must be "threadspace" (lifecycle exports required) or "extism" (a plain Extism plugin); got ${describeValue(issue.input)}.`),
      "threadspace",
    ),
    allowedHosts: v.exactOptional(allowedHostsSchema),
    modules: v.exactOptional(modulesSchema),
    exports: v.exactOptional(exportsSchema),
  },
  missingField,
);

/** What {@link manifestSchema} outputs for a valid document. */
export type ManifestSchemaOutput = v.InferOutput<typeof manifestSchema>;
