/**
 * Host patterns of plugin.json `allowedHosts` and the embedder's narrowing lists: a lowercase host
 * name where `*` stands for any run of characters (dots included, as in Extism's `allowedHosts`).
 */

/** True when `host` (lowercase, no port) matches `pattern`. */
export function hostMatches(host: string, pattern: string): boolean {
  if (pattern === host || pattern === "*") return true;
  if (!pattern.includes("*")) return false;
  const parts = pattern.split("*");
  const first = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  if (!host.startsWith(first) || host.length < first.length + last.length || !host.endsWith(last)) return false;
  let at = first.length;
  const end = host.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? "";
    const found = host.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The first pattern `host` matches, or undefined. */
export function matchingPattern(host: string, patterns: readonly string[]): string | undefined {
  return patterns.find((pattern) => hostMatches(host, pattern));
}
