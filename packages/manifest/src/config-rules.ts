import * as v from "valibot";
import { describeValue } from "./describe-value.ts";
import { logLevelProblem } from "./field-rules.ts";
import { jsonObject, rule } from "./valibot-helpers.ts";

/**
 * The valibot schema of `config`: any JSON object, whose keys from the plugin guide are typed
 * (`enabled` boolean, `interval` seconds > 0, `log_level` a level name, `features` booleans).
 * Other keys are free JSON values. Only validation: the output is copied from the input.
 */
export const configSchema = v.pipe(
  jsonObject(`the plugin's settings, e.g. {"enabled": true, "interval": 300}`),
  v.object({
    enabled: v.exactOptional(v.boolean((issue) => `must be true or false; got ${describeValue(issue.input)}.`)),
    interval: v.exactOptional(
      v.pipe(
        v.number((issue) => `must be a number of seconds; got ${describeValue(issue.input)}.`),
        v.check((n: number) => Number.isFinite(n) && n > 0, (issue) => `must be a number of seconds above 0, e.g. 300; got ${describeValue(issue.input)}.`),
      ),
    ),
    log_level: v.exactOptional(
      v.pipe(v.string((issue) => `must be a log level name such as "INFO"; got ${describeValue(issue.input)}.`), rule(logLevelProblem)),
    ),
    features: v.exactOptional(
      v.pipe(
        jsonObject(`feature switches, e.g. {"feature_1": true}`),
        v.record(v.string(), v.boolean((issue) => `a feature switch must be true or false; got ${describeValue(issue.input)}.`)),
      ),
    ),
  }),
);

function isTypeValue(value: unknown): boolean {
  return typeof value === "string" || (Array.isArray(value) && value.every((item) => typeof item === "string"));
}

/**
 * The valibot schema of `configSchema`: a JSON object whose `type`, when present, is a string or
 * an array of strings. Validating config against it is the engine's job.
 */
export const configSchemaSchema = v.pipe(
  jsonObject(`a JSON Schema for the config, e.g. {"type": "object", "properties": {}}`),
  v.object({
    type: v.exactOptional(
      v.custom(isTypeValue, (issue) => `must be a JSON Schema type name such as "object", or an array of them; got ${describeValue(issue.input)}.`),
    ),
  }),
);
