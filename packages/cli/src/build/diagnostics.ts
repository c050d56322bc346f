import { isAbsolute, relative, resolve } from "node:path";
import type { BuildError } from "./plugin-build.js";

/** A path as the author types it: relative to the working directory (unless outside it, or a compiler library path like `~lib/`). */
function shownPath(path: string, baseDir: string, cwd: string): string {
  if (path.startsWith("~lib/")) return path;
  const absolute = isAbsolute(path) ? path : resolve(baseDir, path);
  const rel = relative(cwd, absolute);
  return rel === "" || rel.startsWith("..") ? absolute : rel;
}

/**
 * AssemblyScript's diagnostics (`ERROR TS2304: message`, a code excerpt, `└─ in src/index.ts(48,3)`)
 * as `src/index.ts:48:3: error TS2304: message` followed by the excerpt, paths relative to `cwd`.
 */
export function formatAscDiagnostics(text: string, baseDir: string, cwd: string): string {
  const blocks = text.split(/\n\s*\n/);
  const out: string[] = [];
  for (const block of blocks) {
    const lines = block.split("\n");
    const head = /^(ERROR|WARNING|INFO)( [A-Z]*\d+)?: (.*)$/.exec(lines[0]?.trim() ?? "");
    const where = lines.map((line) => /└─ in (.+)\((\d+),(\d+)\)\s*$/.exec(line)).find((match) => match !== null);
    if (head === null || where === undefined || where === null) {
      if (!/^FAILURE \d+ (compile|parse) error/.test(block.trim())) out.push(block);
      continue;
    }
    const excerpt = lines.slice(1).filter((line) => !/└─ in /.test(line) && line.trim() !== ":");
    out.push([`${shownPath(where[1] as string, baseDir, cwd)}:${where[2]}:${where[3]}: ${(head[1] as string).toLowerCase()}${head[2] ?? ""}: ${head[3]}`, ...excerpt].join("\n"));
  }
  return out.join("\n");
}

/** clang's diagnostics with the file paths at the start of a line (`/abs/src/plugin.c:3:5: error: ...`) relative to `cwd`. */
export function formatClangDiagnostics(text: string, baseDir: string, cwd: string): string {
  return text.replace(/^([^\s:][^:\n]*\.(?:c|h)):(\d+):(\d+):/gm, (_all, path: string, line: string, column: string) => `${shownPath(path, baseDir, cwd)}:${line}:${column}:`);
}

/**
 * A compiler failure as the author wants to read it: each problem as `file:line:col: message`
 * with paths relative to `cwd`, then the hint; the compiler's command line only with `verbose`
 * (THREADSPACE_DEBUG=1). Other build errors keep their message.
 */
export function formatBuildError(error: BuildError, cwd: string, verbose = false): string {
  const details = (error as BuildError & { details?: { compiler: "asc" | "clang"; command: string; diagnostics: string; baseDir: string; hint: string } }).details;
  if (details === undefined) return error.message;
  const body = details.compiler === "asc" ? formatAscDiagnostics(details.diagnostics, details.baseDir, cwd) : formatClangDiagnostics(details.diagnostics, details.baseDir, cwd);
  return `${details.compiler === "asc" ? "AssemblyScript" : "clang"} found problems:\n${body}${details.hint}${verbose ? `\n(${details.command})` : ""}`;
}
