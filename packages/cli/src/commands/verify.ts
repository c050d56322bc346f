import type { CAC } from "cac";
import { verifyBundle, type PublicKey } from "@threadspace/bundle";
import { ThreadspaceError, isThreadspaceError } from "@threadspace/errors";
import type { CliIo } from "../io.ts";
import { EXIT_FAILURE, EXIT_OK, line } from "../output.ts";
import { readPublicKey } from "../signing-keys.ts";
import { readTspFile } from "../tsp-file.ts";

/**
 * `threadspace verify <file.tsp> [--key <pub>]...`: unpacks strictly, checks the wasm against
 * plugin.json's `hash` and the signature, and prints each check. With `--key`, the bundle must
 * be signed by one of those keys (as an engine with `trustedKeys` requires); without, a valid
 * signature by any key passes and the signer is named. Exit 1 when a check fails.
 */
export async function verify(io: CliIo, file: string, options: { keys?: readonly string[] } = {}): Promise<number> {
  const trustedKeys: PublicKey[] = [];
  for (const key of options.keys ?? []) trustedKeys.push(await readPublicKey(io, key));
  const { shown, bundle } = await readTspFile(io, file);
  const entries = ["plugin.json", bundle.wasmEntry, ...(bundle.readme === undefined ? [] : ["README.md"]), ...(bundle.signature === undefined ? [] : ["signature.json"])];
  line(io, `✓ ${shown}: a zip of ${entries.join(", ")}; no other or unsafe entries, every size within its cap, CRCs match`);
  line(io, `✓ plugin.json is a valid manifest: ${bundle.manifestJson.name}@${bundle.manifestJson.version}`);
  const check = await verifyBundle(bundle, { trustedKeys, requireSignature: trustedKeys.length > 0 }).catch((error: unknown) => {
    if (!isThreadspaceError(error, "signature_untrusted")) throw error;
    const ids = trustedKeys.map((key) => key.id).join(", ");
    const signer = bundle.signature?.keyId;
    const message = signer === undefined ? `${shown} is not signed, and --key requires a signature by ${ids}. Sign it with "threadspace sign ${shown} --key <private key>".` : `${shown} is signed by ${signer}, not by a key given with --key (${ids}). Check that you have the publisher's current public key.`;
    throw new ThreadspaceError("signature_untrusted", message, { plugin: bundle.manifestJson.name, cause: error });
  });
  line(io, `✓ ${bundle.wasmEntry} matches plugin.json "hash": ${check.wasmHash}`);
  const { signature } = check;
  if (signature.state === "unsigned") {
    line(io, `! not signed: engines that require signatures refuse it (sign it with "threadspace sign ${shown} --key <key>")`);
    return EXIT_OK;
  }
  line(io, `✓ Ed25519 signature by ${signature.keyId} verifies over plugin.json (${check.manifestHash}) and the wasm hash`);
  if (signature.state === "trusted") line(io, `✓ ${signature.keyId} is one of the keys given with --key`);
  else line(io, `! ${signature.keyId} was not checked against a key you trust: pass --key <public key> to require it`);
  return signature.state === "trusted" || trustedKeys.length === 0 ? EXIT_OK : EXIT_FAILURE;
}

/** Registers `verify` on the command line. */
export function defineVerify(cli: CAC, io: CliIo): void {
  cli
    .command("verify <file.tsp>", "Check a .tsp: its entries, the wasm against plugin.json's hash, the signature and its key")
    .option("--key <public key>", "Require a signature by this public key (base64, or a .pub file); repeatable")
    .example("  $ threadspace verify hello-1.0.0.tsp")
    .example("  $ threadspace verify hello-1.0.0.tsp --key release.key.pub")
    .action((file: string, options: { key?: unknown }) => {
      const keys = options.key === undefined ? [] : (Array.isArray(options.key) ? options.key : [options.key]).map(String);
      return verify(io, String(file), { keys });
    });
}
