/** Which server runtime this code runs in: Deno and Bun announce themselves by a global. */
export function currentRuntime(): "node" | "deno" | "bun" {
  const globals = globalThis as { Deno?: unknown; Bun?: unknown };
  if (globals.Deno !== undefined) return "deno";
  if (globals.Bun !== undefined) return "bun";
  return "node";
}
