import { open, unlink } from "node:fs/promises";
import { resolve } from "node:path";
import type { CAC } from "cac";
import { generateSigningKey } from "@threadspace/bundle";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, displayPath, line } from "../output.ts";

/** The private key file `keygen` writes when `-o` is not given. */
export const DEFAULT_KEY_FILE = "threadspace-signing.key";

/** Writes a new file with `mode`, refusing to replace an existing one. */
async function writeNewFile(path: string, text: string, mode: number): Promise<void> {
  const file = await open(path, "wx", mode);
  try {
    await file.writeFile(text);
    await file.chmod(mode);
  } finally {
    await file.close();
  }
}

/**
 * `threadspace keygen [-o key]`: creates an Ed25519 key pair, writes the private key (a JWK) with
 * mode 0600 and the public key next to it as `<key>.pub`, and prints the public key (base64).
 * Never overwrites a key.
 */
export async function keygen(io: CliIo, options: { output?: string } = {}): Promise<number> {
  const path = resolve(io.cwd, options.output ?? DEFAULT_KEY_FILE);
  const pubPath = `${path}.pub`;
  const shown = displayPath(io, path);
  const { privateJwk, publicKey, keyId } = await generateSigningKey();
  try {
    await writeNewFile(path, `${JSON.stringify(privateJwk)}\n`, 0o600);
  } catch (cause) {
    const exists = (cause as { code?: unknown }).code === "EEXIST";
    throw new ThreadspaceError("bad_input", exists ? `${shown} already exists: keygen never replaces a key. Choose another file with -o, or delete it first if you really mean to.` : `cannot write ${shown}: ${messageOf(cause)}.`, { cause });
  }
  try {
    await writeNewFile(pubPath, `${publicKey}\n`, 0o644);
  } catch (cause) {
    await unlink(path).catch(() => undefined);
    throw new ThreadspaceError("bad_input", `cannot write ${displayPath(io, pubPath)}: ${messageOf(cause)}. Nothing was kept.`, { cause });
  }
  line(io, publicKey);
  io.stderr(`✓ wrote the private key to ${shown} (mode 0600: keep it secret, never commit it)\n`);
  io.stderr(`✓ wrote the public key to ${displayPath(io, pubPath)}; key id ${keyId}\n`);
  io.stderr(`  Sign: threadspace pack <dir> --sign ${shown}   Trust: createEngine({ trustedKeys: ["${publicKey}"] })\n`);
  return EXIT_OK;
}

/** Registers `keygen` on the command line. */
export function defineKeygen(cli: CAC, io: CliIo): void {
  cli
    .command("keygen", "Create an Ed25519 signing key: private key file (0600) and <file>.pub; prints the public key")
    .option("-o, --output <file>", `Private key file to create (default ${DEFAULT_KEY_FILE})`)
    .example("  $ threadspace keygen -o release.key")
    .action((options: { output?: unknown }) => {
      if (Array.isArray(options.output)) throw new UsageError("-o may be given once.", "keygen");
      return keygen(io, options.output === undefined ? {} : { output: String(options.output) });
    });
}
