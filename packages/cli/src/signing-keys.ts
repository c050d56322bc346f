import { resolve } from "node:path";
import { importPublicKey, importSigningKey, type PublicKey, type SigningKey } from "@threadspace/bundle";
import { ThreadspaceError, messageOf } from "@threadspace/errors";
import { isNotFound, readFileCapped } from "./files.ts";
import type { CliIo } from "./io.ts";
import { displayPath } from "./output.ts";

const MAX_KEY_FILE_BYTES = 16 * 1024;

/** Reads a private key file written by `threadspace keygen` (an Ed25519 JWK). */
export async function readSigningKey(io: CliIo, file: string): Promise<SigningKey> {
  const path = resolve(io.cwd, file);
  const shown = displayPath(io, path);
  const bytes = await readFileCapped(path, MAX_KEY_FILE_BYTES).catch((cause: unknown) => {
    const why = isNotFound(cause) ? "it does not exist" : messageOf(cause);
    throw new ThreadspaceError("bad_input", `cannot read the private key ${shown}: ${why}. Create one with "threadspace keygen -o ${file}".`, { cause });
  });
  return importSigningKey(new TextDecoder().decode(bytes)).catch((cause: unknown) => {
    throw new ThreadspaceError("bad_input", `${shown} is not a private key: ${messageOf(cause).replace(/^\[threadspace\] /, "")}`, { cause });
  });
}

/**
 * A public key from the command line: the base64 text itself, or a file holding it (a `.pub` that
 * `keygen` wrote), a public JWK, or a private key file (its public half is used).
 */
export async function readPublicKey(io: CliIo, arg: string): Promise<PublicKey> {
  const path = resolve(io.cwd, arg);
  const bytes = await readFileCapped(path, MAX_KEY_FILE_BYTES).catch((cause: unknown) => (isNotFound(cause) ? undefined : Promise.reject(cause)));
  const text = bytes === undefined ? arg : new TextDecoder().decode(bytes).trim();
  const where = bytes === undefined ? `"${arg}"` : displayPath(io, path);
  try {
    if (text.startsWith("{")) {
      const jwk = JSON.parse(text) as JsonWebKey;
      return await importPublicKey({ kty: jwk.kty, crv: jwk.crv, x: jwk.x } as JsonWebKey);
    }
    return await importPublicKey(text);
  } catch (cause) {
    throw new ThreadspaceError("bad_input", `${where} is not a public key (and no such file): give the base64 key "threadspace keygen" printed, or the .pub file it wrote. ${messageOf(cause).replace(/^\[threadspace\] /, "")}`, { cause });
  }
}
