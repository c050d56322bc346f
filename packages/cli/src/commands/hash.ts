import { dirname, resolve } from "node:path";
import type { CAC } from "cac";
import { sha256Hex } from "@threadspace/core/tools";
import { ThreadspaceError } from "@threadspace/errors";
import { MAX_MANIFEST_BYTES } from "@threadspace/manifest";
import { MAX_WASM_BYTES, isNotFound, locateBundle, readFileCapped, writeFileAtomic } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, displayPath, line } from "../output.ts";
import { setTopLevelField } from "../json-edit.ts";

/** Options of {@link hash}. */
export interface HashOptions {
  /** A bundle folder (or its plugin.json) whose `hash` field to set. */
  readonly write?: string;
}

async function readJsonObjectText(io: CliIo, manifestPath: string): Promise<{ text: string; value: Record<string, unknown> }> {
  const shown = displayPath(io, manifestPath);
  const bytes = await readFileCapped(manifestPath, MAX_MANIFEST_BYTES, dirname(manifestPath)).catch((cause: unknown) => {
    const why = isNotFound(cause) ? "it does not exist" : cause instanceof Error ? cause.message : String(cause);
    throw new ThreadspaceError("source_invalid", `cannot read ${shown}: ${why}. --write takes a plugin's folder (the one holding plugin.json).`, { cause });
  });
  const text = new TextDecoder().decode(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
  } catch (cause) {
    throw new ThreadspaceError("manifest_invalid", `${shown} is not valid JSON; fix it before writing its hash. "threadspace validate" shows where.`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ThreadspaceError("manifest_invalid", `${shown} must hold a JSON object; fix it before writing its hash.`);
  }
  return { text, value: value as Record<string, unknown> };
}

/** Sets plugin.json's `hash`, changing nothing else in the file (`threadspace build` uses it too). */
export async function writeHash(io: CliIo, target: string, wasmPath: string, digest: string): Promise<void> {
  const { dir, manifestPath } = await locateBundle(io, target);
  const shown = displayPath(io, manifestPath);
  const { text, value } = await readJsonObjectText(io, manifestPath);
  const main = typeof value["main"] === "string" ? value["main"] : "plugin.wasm";
  if (resolve(dir, main) !== wasmPath) {
    io.stderr(`warning: ${shown} names "${main}" as its wasm, not ${displayPath(io, wasmPath)}; the engine will check this hash against "${main}".\n`);
  }
  if (value["hash"] === digest) {
    io.stderr(`✓ ${shown} already has this hash\n`);
    return;
  }
  const updated = setTopLevelField(text, "hash", digest, "main");
  const check = JSON.parse(updated.startsWith("\uFEFF") ? updated.slice(1) : updated) as Record<string, unknown>;
  if (check["hash"] !== digest || JSON.stringify({ ...check, hash: undefined }) !== JSON.stringify({ ...value, hash: undefined })) {
    throw new Error(`could not update ${shown} without changing other fields; set "hash": "${digest}" by hand.`);
  }
  await writeFileAtomic(manifestPath, updated);
  io.stderr(`✓ wrote "hash" to ${shown}\n`);
}

/**
 * `threadspace hash <file.wasm> [--write <dir>]`: prints `sha256:<hex>` of the file; with
 * `--write`, also sets that bundle's plugin.json `hash`, keeping the rest of the file as it was.
 */
export async function hash(io: CliIo, file: string, options: HashOptions = {}): Promise<number> {
  const path = resolve(io.cwd, file);
  const bytes = await readFileCapped(path, MAX_WASM_BYTES).catch((cause: unknown) => {
    const why = isNotFound(cause) ? "it does not exist" : cause instanceof Error ? cause.message : String(cause);
    throw new ThreadspaceError("source_invalid", `cannot read ${file}: ${why}.`, { cause });
  });
  const digest = `sha256:${await sha256Hex(bytes)}`;
  line(io, digest);
  if (options.write !== undefined) await writeHash(io, String(options.write), path, digest);
  return EXIT_OK;
}

/** Registers `hash` on the command line. */
export function defineHash(cli: CAC, io: CliIo): void {
  cli
    .command("hash <wasm>", "Print sha256:<hex> of a wasm file; --write sets it as a bundle's plugin.json \"hash\"")
    .option("--write <bundle>", "Set \"hash\" in this bundle's plugin.json (other fields stay as they are)")
    .example("  $ threadspace hash examples/hello/plugin.wasm")
    .example("  $ threadspace hash examples/hello/plugin.wasm --write examples/hello")
    .action((wasm: string, options: { write?: unknown }) => {
      if (Array.isArray(options.write)) throw new UsageError("--write may be given once.", "hash");
      return hash(io, String(wasm), options.write === undefined ? {} : { write: String(options.write) });
    });
}
