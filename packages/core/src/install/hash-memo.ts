/**
 * The sha256 of byte arrays hashed recently, found again by comparing the bytes themselves:
 * installing the same wasm again (many plugins from one module, reinstalls, upgrades to the same
 * build) costs a comparison instead of a hash. The memo keeps copies of its own, never handed out,
 * so a match is exact whatever happens to the arrays it was given. Bounded by entries and bytes.
 */
export class HashMemo {
  readonly #entries: { readonly bytes: Uint8Array; readonly sha256: string }[] = [];
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;

  readonly #equal: (a: Uint8Array, b: Uint8Array) => boolean;

  /** `equal`: a faster comparison where the runtime has one (it must agree with {@link equalBytes}). */
  constructor(maxEntries = 16, maxBytes = 32 * 1024 * 1024, equal: (a: Uint8Array, b: Uint8Array) => boolean = equalBytes) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#equal = equal;
  }

  /** The sha256 remembered for bytes equal to `bytes`, or undefined. */
  find(bytes: Uint8Array): string | undefined {
    const equal = this.#equal;
    for (const entry of this.#entries) if (equal(entry.bytes, bytes)) return entry.sha256;
    return undefined;
  }

  /** Remembers `sha256` for `bytes` (copied: the memo's bytes are never handed out, so nothing can change them). */
  remember(bytes: Uint8Array, sha256: string): void {
    if (bytes.byteLength > this.#maxBytes || this.find(bytes) !== undefined) return;
    this.#entries.unshift({ bytes: bytes.slice(), sha256 });
    this.#bytes += bytes.byteLength;
    while (this.#entries.length > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.pop();
      if (oldest === undefined) break;
      this.#bytes -= oldest.bytes.byteLength;
    }
  }
}

/** True when both arrays hold the same bytes (four at a time where both are aligned). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  const length = a.byteLength;
  if (length !== b.byteLength) return false;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = length >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) if (wa[w] !== wb[w]) return false;
    i = words * 4;
  }
  for (; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}
