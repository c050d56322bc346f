/**
 * The public keys the playground's engine trusts, kept in IndexedDB: the page adds and removes
 * them, the engine worker reads them when it starts (`createEngine({ trustedKeys })`).
 */
import { importPublicKey } from "@threadspace/bundle";
import { ThreadspaceError } from "@threadspace/errors";
import { playgroundDb, type TrustedKey } from "./playground-db.ts";

export type { TrustedKey };

/** The key in `text`: base64 of the 32 raw bytes, or an Ed25519 JWK (JSON). `bad_input` otherwise. */
export async function parsePublicKey(text: string, label: string): Promise<TrustedKey> {
  const trimmed = text.trim();
  if (trimmed === "") throw new ThreadspaceError("bad_input", "[playground] paste a public key: the base64 line `threadspace keygen` printed, or a JWK.");
  let input: string | JsonWebKey = trimmed;
  if (trimmed.startsWith("{")) {
    try {
      input = JSON.parse(trimmed) as JsonWebKey;
    } catch (cause) {
      throw new ThreadspaceError("bad_input", `[playground] the key looks like a JWK but is not JSON (${String(cause)}).`, { cause });
    }
  }
  const key = await importPublicKey(input);
  return { id: key.id, base64: key.base64, label: label.trim() === "" ? key.id : label.trim(), addedAt: Date.now() };
}

export const trustedKeys = {
  async list(): Promise<TrustedKey[]> {
    return (await playgroundDb()).getAll("keys");
  },
  async add(key: TrustedKey): Promise<void> {
    await (await playgroundDb()).put("keys", key);
  },
  async remove(id: string): Promise<void> {
    await (await playgroundDb()).delete("keys", id);
  },
};
