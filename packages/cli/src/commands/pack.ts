import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { CAC } from "cac";
import { MAX_README_BYTES, packBundle } from "@threadspace/bundle";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { MAX_MANIFEST_BYTES, parseManifest } from "@threadspace/manifest";
import { MAX_WASM_BYTES, isNotFound, locateBundle, readFileCapped } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, displayPath, formatSize } from "../output.ts";
import { readSigningKey } from "../signing-keys.ts";
import { missingWasmMessage } from "../wasm-file.ts";
import { writeNpmPackage } from "./pack-npm.ts";

/** Options of {@link pack}. */
export interface PackOptions {
  /** The .tsp to write (default `<name>-<version>.tsp` in the working directory). */
  readonly output?: string;
  /** A private key file (`threadspace keygen`) to sign with. */
  readonly sign?: string;
  /** Write a publishable npm package folder `threadspace-plugin-<name>` into this folder instead of a .tsp (pack-npm.ts). */
  readonly npm?: string;
}

async function readOptional(path: string, maxBytes: number, within: string): Promise<Uint8Array | undefined> {
  return readFileCapped(path, maxBytes, within).catch((cause: unknown) => (isNotFound(cause) ? undefined : Promise.reject(cause)));
}

/**
 * `threadspace pack [dir] [-o file.tsp] [--sign key]`: packs plugin.json, the wasm it names and
 * README.md (when there is one) into a `.tsp`, signed when `--sign` names a private key.
 * plugin.json must carry a `hash` matching the wasm.
 */
export async function pack(io: CliIo, dir = ".", options: PackOptions = {}): Promise<number> {
  const { dir: bundleDir, manifestPath } = await locateBundle(io, dir);
  const manifestShown = displayPath(io, manifestPath);
  const manifestBytes = await readFileCapped(manifestPath, MAX_MANIFEST_BYTES, bundleDir).catch((cause: unknown) => {
    const why = isNotFound(cause) ? "it does not exist" : messageOf(cause);
    throw new ThreadspaceError("source_invalid", `cannot read ${manifestShown}: ${why}. Pass a plugin's folder (the one holding plugin.json).`, { cause });
  });
  const manifest = parseManifest(manifestBytes, { source: manifestShown });
  const wasmPath = resolve(bundleDir, manifest.main);
  const wasm = await readFileCapped(wasmPath, MAX_WASM_BYTES, bundleDir).catch((cause: unknown) => {
    const message = isNotFound(cause) ? missingWasmMessage(manifest.main, displayPath(io, wasmPath)) : `cannot read ${displayPath(io, wasmPath)}: ${messageOf(cause)}.`;
    throw new ThreadspaceError("source_invalid", message, { plugin: manifest.name, cause });
  });
  if (manifest.hash === undefined) {
    throw new ThreadspaceError("bundle_invalid", `${manifestShown} has no "hash": a packed bundle pins its wasm. Run "threadspace hash ${displayPath(io, wasmPath)} --write ${displayPath(io, bundleDir)}", then pack again.`, { plugin: manifest.name });
  }
  const readme = await readOptional(join(bundleDir, "README.md"), MAX_README_BYTES, bundleDir);
  const signer = options.sign === undefined ? undefined : await readSigningKey(io, options.sign);
  const tsp = await packBundle({ manifest: manifestBytes, wasm, readme }, { signer });
  if (options.npm !== undefined) {
    await writeNpmPackage(io, { dir: bundleDir, manifest, manifestBytes, tsp, readme, keyId: signer?.publicKey.id }, options.npm);
    if (signer === undefined) io.stderr(`  unsigned: hosts that require signatures refuse it (pack again with --sign <key>)\n`);
    return EXIT_OK;
  }
  const outPath = resolve(io.cwd, options.output ?? `${manifest.name}-${manifest.version}.tsp`);
  await writeFile(outPath, tsp);
  const entries = ["plugin.json", manifest.main.replace(/^\.\//, ""), ...(readme === undefined ? [] : ["README.md"]), ...(signer === undefined ? [] : ["signature.json"])];
  io.stderr(`✓ packed ${manifest.name}@${manifest.version} into ${displayPath(io, outPath)}, ${formatSize(tsp.byteLength)}: ${entries.join(", ")}\n`);
  if (signer !== undefined) io.stderr(`✓ signed with ${signer.publicKey.id} (public key ${signer.publicKey.base64})\n`);
  else io.stderr(`  unsigned: hosts that require signatures refuse it ("threadspace sign ${displayPath(io, outPath)} --key <key>")\n`);
  return EXIT_OK;
}

/** Registers `pack` on the command line. */
export function definePack(cli: CAC, io: CliIo): void {
  cli
    .command("pack [dir]", "Pack a plugin folder (plugin.json, its wasm, README.md) into one .tsp file, optionally signed; --npm: a publishable npm package")
    .option("-o, --output <file.tsp>", "Where to write it (default <name>-<version>.tsp)")
    .option("--sign <key>", "Sign it with this private key file (threadspace keygen)")
    .option("--npm", "Write a publishable npm package threadspace-plugin-<name> (plugin.tsp, plugin.json, README, LICENSE, package.json) instead")
    .option("--out-dir <dir>", "With --npm: where to write the package folder (default .)")
    .example("  $ threadspace pack examples/hello -o hello.tsp")
    .example("  $ threadspace pack examples/hello --sign release.key")
    .example("  $ threadspace pack examples/hello --npm --sign release.key --out-dir dist")
    .action((dir: string | undefined, options: { output?: unknown; sign?: unknown; npm?: unknown; outDir?: unknown }) => {
      if (Array.isArray(options.output) || Array.isArray(options.sign)) throw new UsageError("-o and --sign may be given once each.", "pack");
      if (options.npm !== undefined && options.output !== undefined) throw new UsageError("--npm writes a package folder: name where with --out-dir, not -o.", "pack");
      if (options.outDir !== undefined && (options.npm !== true || options.outDir === true || Array.isArray(options.outDir))) throw new UsageError("--out-dir <dir> goes with --npm, once.", "pack");
      return pack(io, dir === undefined ? "." : String(dir), {
        ...(options.npm === true ? { npm: options.outDir === undefined ? "." : String(options.outDir) } : {}),
        ...(options.output === undefined ? {} : { output: String(options.output) }),
        ...(options.sign === undefined ? {} : { sign: String(options.sign) }),
      });
    });
}
