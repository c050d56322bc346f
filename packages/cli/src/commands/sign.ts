import { resolve } from "node:path";
import type { CAC } from "cac";
import { signBundle } from "@threadspace/bundle";
import { MAX_WASM_BYTES, writeFileAtomic } from "../files.ts";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, displayPath } from "../output.ts";
import { readSigningKey } from "../signing-keys.ts";
import { readTspBytes } from "../tsp-file.ts";

/**
 * `threadspace sign <file.tsp> --key <key> [-o out.tsp]`: checks the bundle (strict unpack, the
 * wasm against plugin.json's `hash`, any existing signature) and writes it back signed by `key`
 * (in place unless `-o`), replacing an older signature.
 */
export async function sign(io: CliIo, file: string, options: { key: string; output?: string }): Promise<number> {
  const { path, shown, bytes } = await readTspBytes(io, file);
  const signer = await readSigningKey(io, options.key);
  const signed = await signBundle(bytes, signer, { maxWasmBytes: MAX_WASM_BYTES });
  const outPath = options.output === undefined ? path : resolve(io.cwd, options.output);
  await writeFileAtomic(outPath, signed);
  io.stderr(`✓ signed ${shown} with ${signer.publicKey.id}${outPath === path ? "" : ` into ${displayPath(io, outPath)}`}\n`);
  io.stderr(`  Hosts trust it with createEngine({ trustedKeys: ["${signer.publicKey.base64}"] }); check it with "threadspace verify ${displayPath(io, outPath)} --key ${signer.publicKey.base64}"\n`);
  return EXIT_OK;
}

/** Registers `sign` on the command line. */
export function defineSign(cli: CAC, io: CliIo): void {
  cli
    .command("sign <file.tsp>", "Sign a .tsp with a private key (replaces an older signature)")
    .option("--key <key>", "Private key file (threadspace keygen)")
    .option("-o, --output <file.tsp>", "Write the signed bundle here instead of in place")
    .example("  $ threadspace sign hello-1.0.0.tsp --key release.key")
    .action((file: string, options: { key?: unknown; output?: unknown }) => {
      if (options.key === undefined || options.key === true) throw new UsageError("--key <private key file> is required.", "sign");
      if (Array.isArray(options.key) || Array.isArray(options.output)) throw new UsageError("--key and -o may be given once each.", "sign");
      return sign(io, String(file), { key: String(options.key), ...(options.output === undefined ? {} : { output: String(options.output) }) });
    });
}
