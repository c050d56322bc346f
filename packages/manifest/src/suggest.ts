/** Longest input for which suggestions are computed; longer strings are no typo of a short name. */
const MAX_INPUT = 100;

/** Lowercase without `_`, `-` and spaces: `config_schema`, `Config-Schema` and `configSchema` agree. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[-_\s]/g, "");
}

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of neighbours
 * (optimal string alignment), so `dependecnies` is 1 away from `dependencies`.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate `input` was most likely meant to be, or `undefined` when none is close:
 * same letters ignoring case, `_` and `-`; a small edit distance (up to a third of the
 * candidate's length, at least 1); or a prefix of at least 4 letters (`timeout` → `timeoutMs`).
 *
 * @example suggest("dependancies", ["name", "dependencies"]) // "dependencies"
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length === 0 || input.length > MAX_INPUT) return undefined;
  const wanted = normalise(input);
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const target = normalise(candidate);
    const distance = wanted === target ? 0 : editDistance(wanted, target);
    const close = distance <= Math.max(1, Math.floor(target.length / 3));
    const prefix = wanted.length >= 4 && target.startsWith(wanted);
    if ((close || prefix) && distance < bestScore) {
      best = candidate;
      bestScore = distance;
    }
  }
  return best;
}

/** ` Did you mean "x"?` when a candidate is close, else an empty string (for appending to messages). */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = suggest(input, candidates);
  return match === undefined ? "" : ` Did you mean ${JSON.stringify(match)}?`;
}
