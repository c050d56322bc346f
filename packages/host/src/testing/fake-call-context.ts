import type { ExtismCallContext } from "../host-types.ts";
import type { CallTransaction } from "../transaction.ts";

/**
 * A stand-in for Extism's CallContext with the same handle semantics (a handle names a block;
 * unknown handles read as null), for unit and fuzz tests of host functions without a guest.
 */
export class FakeCallContext implements ExtismCallContext {
  readonly #blocks = new Map<bigint, Uint8Array>();
  #next = 1n;
  #tx: CallTransaction | undefined;

  constructor(tx?: CallTransaction) {
    this.#tx = tx;
  }

  read(handle: bigint | number): { bytes(): Uint8Array } | null {
    const block = this.#blocks.get(BigInt(handle));
    return block === undefined ? null : { bytes: () => block };
  }

  store(value: string | Uint8Array): bigint {
    const handle = this.#next++ << 48n;
    this.#blocks.set(handle, typeof value === "string" ? new TextEncoder().encode(value) : value);
    return handle;
  }

  hostContext<T = unknown>(): T {
    return this.#tx as T;
  }

  /** Stores a request and returns its handle. */
  request(value: string | Uint8Array): bigint {
    return this.store(value);
  }

  /** Reads a reply as text. */
  text(handle: bigint): string {
    const block = this.#blocks.get(handle);
    if (block === undefined) throw new Error(`no block at handle ${handle}`);
    return new TextDecoder().decode(block);
  }
}
