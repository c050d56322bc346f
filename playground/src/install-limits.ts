/**
 * How a plugin installed from the playground runs: the user may override plugin.json's
 * `limits.isolation` and `limits.timeoutMs` before installing (the engine applies them like any
 * plugin.json). A `.tsp` is installed as signed: changing its plugin.json would break the signature.
 */
import { type BundleParts } from "@threadspace/core";
import { ThreadspaceError } from "@threadspace/errors";

/** What the user picked; an empty object leaves plugin.json's limits alone. */
export interface LimitsOverride {
  readonly isolation?: "inline" | "pool" | "worker";
  readonly timeoutMs?: number;
}

/** Reads the isolation select ("", "inline", "pool", "worker") and the timeoutMs field ("" = plugin.json's). */
export function readOverride(isolation: string, timeoutMs: string): LimitsOverride {
  const mode: LimitsOverride = isolation === "inline" || isolation === "pool" || isolation === "worker" ? { isolation } : {};
  const text = timeoutMs.trim();
  if (text === "") return mode;
  const ms = Number(text);
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw new ThreadspaceError("bad_input", `[playground] timeoutMs must be a whole number of milliseconds of at least 1; got "${text}". Leave it empty to keep plugin.json's.`);
  }
  return { ...mode, timeoutMs: ms };
}

/** True when the override changes nothing. */
export const isEmpty = (override: LimitsOverride): boolean => override.isolation === undefined && override.timeoutMs === undefined;

/**
 * plugin.json with the override laid over its `limits`. Text that is not a JSON object is
 * returned as it is: the engine reports what is wrong with it.
 */
export function withLimits(manifest: string, override: LimitsOverride): string {
  if (isEmpty(override)) return manifest;
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifest);
  } catch {
    return manifest;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return manifest;
  const limits = (parsed as { limits?: unknown }).limits;
  const base = typeof limits === "object" && limits !== null && !Array.isArray(limits) ? limits : {};
  return JSON.stringify({ ...parsed, limits: { ...base, ...override } });
}

/** The parts with the override applied to their plugin.json. */
export function partsWithLimits(parts: { readonly manifest: string; readonly wasm: Uint8Array }, override: LimitsOverride): BundleParts {
  return { manifest: withLimits(parts.manifest, override), wasm: parts.wasm };
}
