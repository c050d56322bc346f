/** Entries a ring starts with: most plugins see few calls, so a ring grows towards its capacity as it fills. */
const FIRST_LENGTH = 16;

/**
 * `ring` grown (doubled, at most to `capacity`) with its entries kept, for a ring that is full
 * but below its capacity: a plugin that is never called never pays for a full window.
 */
export function grownRing<T extends Float64Array | Uint8Array>(ring: T, capacity: number, make: (length: number) => T): T {
  const bigger = make(Math.min(capacity, Math.max(FIRST_LENGTH, ring.length * 2)));
  bigger.set(ring);
  return bigger;
}
