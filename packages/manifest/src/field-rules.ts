import { quote } from "./describe-value.ts";

const MAIN_CHARACTERS = /^[A-Za-z0-9._/-]+$/;
const MAX_MAIN_LENGTH = 256;

/**
 * What is wrong with `main`, or `undefined` for a relative path inside the bundle ending in
 * `.wasm`: letters, digits, `.`, `_`, `-` and `/` only (no `%`, `:`, `\`, `?` or `#`, so it
 * cannot become a URL, a drive path or an encoded `..`), no leading `/`, no `..` or empty segment.
 */
export function mainProblem(main: string): string | undefined {
  const shown = quote(main);
  if (main.length === 0) return `"main" is empty: name the wasm file, e.g. "plugin.wasm".`;
  if (main.length > MAX_MAIN_LENGTH) return `the path is ${main.length} characters long; the limit is ${MAX_MAIN_LENGTH}.`;
  if (main.startsWith("/")) return `${shown} is an absolute path: write it relative to plugin.json's folder, e.g. "plugin.wasm".`;
  if (!MAIN_CHARACTERS.test(main)) {
    return `${shown} must be a relative path inside the bundle using only letters, digits, ".", "_", "-" and "/" (no URL, drive letter or backslash), e.g. "build/plugin.wasm".`;
  }
  const segments = main.split("/");
  if (segments.includes("..")) return `${shown} leaves the bundle with "..": keep the wasm inside the plugin's folder.`;
  if (segments.includes("")) return `${shown} has an empty path segment ("//" or a trailing "/"): write e.g. "build/plugin.wasm".`;
  if (!main.endsWith(".wasm")) return `${shown} must name a ".wasm" file, e.g. "plugin.wasm".`;
  return undefined;
}

const HASH = /^sha256:[0-9a-f]{64}$/;

/** What is wrong with `hash`, or `undefined` for `sha256:` followed by 64 lowercase hex digits. */
export function hashProblem(hash: string): string | undefined {
  if (HASH.test(hash)) return undefined;
  if (HASH.test(hash.toLowerCase())) return `${quote(hash)} must use lowercase hex digits: write ${quote(hash.toLowerCase())}.`;
  const how = `write the sha256 of the wasm file as "sha256:" followed by 64 lowercase hex digits, e.g. "sha256:${"0".repeat(64)}" (leave "hash" out to skip the check).`;
  if (/^[0-9a-fA-F]{64}$/.test(hash)) return `${quote(hash)} lacks its "sha256:" prefix: ${how}`;
  if (/^[a-z0-9-]+:/.test(hash) && !hash.startsWith("sha256:")) return `${quote(hash)} uses an unsupported algorithm; only sha256 is checked: ${how}`;
  return `${quote(hash)} is not a sha256 hash: ${how}`;
}

const CAPABILITY = /^[a-zA-Z0-9_.:-]+$/;
const MAX_CAPABILITY_LENGTH = 128;

/** What is wrong with a capability, or `undefined` for 1–128 characters of `a-z A-Z 0-9 _ . : -`. */
export function capabilityProblem(capability: string): string | undefined {
  if (capability.length === 0) return `a capability is empty: name what the plugin offers, e.g. "pattern-recognition".`;
  if (capability.length > MAX_CAPABILITY_LENGTH) return `the capability is ${capability.length} characters long; the limit is ${MAX_CAPABILITY_LENGTH}.`;
  if (CAPABILITY.test(capability)) return undefined;
  return `${quote(capability)} is not a valid capability: use letters, digits, "_", ".", ":" or "-" (no spaces), e.g. "pattern-recognition".`;
}

const TOPIC = /^(?:[a-z0-9_-]+|\*)(?:\.(?:[a-z0-9_-]+|\*))*$/;
const MAX_TOPIC_LENGTH = 256;

/**
 * What is wrong with an event topic, or `undefined` for `.`-separated segments of
 * `a-z 0-9 _ -`, where `*` as a whole segment matches any one segment (`memory.*`).
 */
export function topicProblem(topic: string): string | undefined {
  if (topic.length > MAX_TOPIC_LENGTH) return `the topic is ${topic.length} characters long; the limit is ${MAX_TOPIC_LENGTH}.`;
  if (TOPIC.test(topic)) return undefined;
  return `${quote(topic)} is not a valid topic: write lowercase segments of a-z, 0-9, "_" or "-" separated by ".", with "*" as a whole segment for any, e.g. "memory.created" or "thread.*".`;
}

/** The log levels `config.log_level` accepts, in any case. */
export const LOG_LEVELS: readonly string[] = ["TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "CRITICAL"];

/** What is wrong with `config.log_level`, or `undefined` for one of {@link LOG_LEVELS} in any case. */
export function logLevelProblem(level: string): string | undefined {
  if (LOG_LEVELS.includes(level.toUpperCase())) return undefined;
  return `${quote(level)} is not a log level: use one of ${LOG_LEVELS.join(", ")} (any case), e.g. "INFO".`;
}
