/** Which server runtime runs the Node adapter: Deno and Bun take it too (their `deno` and `bun` export conditions), and announce themselves by a global. */
export function serverRuntime(): "node" | "deno" | "bun" {
  const globals = globalThis as { Deno?: unknown; Bun?: unknown };
  if (globals.Deno !== undefined) return "deno";
  if (globals.Bun !== undefined) return "bun";
  return "node";
}
