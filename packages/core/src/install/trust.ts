import { importPublicKey, type PublicKeyInput, type TrustPolicy } from "@threadspace/bundle";
import { ThreadspaceError, messageOf } from "@threadspace/errors";

/** The signature options of `createEngine`. */
export interface TrustOptions {
  /**
   * Public keys whose signatures on `.tsp` bundles are trusted: base64 of the 32 raw Ed25519
   * bytes (what `threadspace keygen` prints), raw bytes, or a JWK.
   */
  readonly trustedKeys?: readonly PublicKeyInput[];
  /**
   * Refuse every install that is not a `.tsp` signed by one of `trustedKeys` (`signature_untrusted`):
   * unsigned bundles, bundles signed by other keys, directories, URLs of plugin.json and
   * `{ manifest, wasm }`. Default: `true` when `trustedKeys` is not empty, else `false`.
   * A signature that does not verify is refused (`signature_invalid`) either way.
   */
  readonly requireSignature?: boolean;
}

/** Imports `trustedKeys` and settles `requireSignature`; throws `bad_input` naming a bad key. */
export async function resolveTrust(options: TrustOptions): Promise<TrustPolicy> {
  const inputs = options.trustedKeys ?? [];
  const trustedKeys = await Promise.all(
    inputs.map((input, index) =>
      importPublicKey(input).catch((cause: unknown) => {
        throw new ThreadspaceError("bad_input", `createEngine({ trustedKeys }): key ${index} is not usable: ${messageOf(cause).replace(/^\[threadspace\] /, "")}`, { cause });
      }),
    ),
  );
  return { trustedKeys, requireSignature: options.requireSignature ?? trustedKeys.length > 0 };
}
