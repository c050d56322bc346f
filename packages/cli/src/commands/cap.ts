import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { CAC } from "cac";
import { capGuestMemory, checkIntegrity, resolveLimits, rewriteModule, type GuestMemory } from "@threadspace/core/tools";
import type { CliIo } from "../io.ts";
import { EXIT_OK, UsageError, displayPath, line } from "../output.ts";
import { readWasm, resolveTarget } from "./inspect.ts";

/** Options of {@link cap}. */
export interface CapOptions {
  /** Where to write the capped module. */
  readonly out: string;
  /** The host's ceiling in 64 KiB pages (as `createEngine({ limits: { memoryPages } })`). */
  readonly memoryPages?: number;
  /** Meter the module (fuel, memory.grow reporting, table caps: docs/metering.md) instead of capping memory only. */
  readonly fuel?: boolean;
}

const pages = (n: number): string => `${n} page${n === 1 ? "" : "s"}`;

function memoryText(memory: GuestMemory | undefined): string {
  if (memory === undefined) return "no memory";
  return `${pages(memory.initial)} at start, maximum ${memory.maximum === undefined ? "none" : pages(memory.maximum)}`;
}

/**
 * `threadspace cap <bundle> --out <file.wasm> [--memory-pages N]`: checks the wasm against
 * plugin.json's `hash`, then writes it with the guest memory cap the engine would apply
 * (plugin.json's `limits.memoryPages` under the ceiling, else the default). For hosts that take a
 * precompiled module (workerd / Cloudflare Workers), where the engine cannot rewrite it.
 */
export async function cap(io: CliIo, target: string, options: CapOptions): Promise<number> {
  const resolved = await resolveTarget(io, target);
  const bytes = await readWasm(io, resolved);
  const manifest = resolved.manifest?.value;
  const plugin = manifest?.name;
  if (manifest !== undefined) await checkIntegrity(bytes, manifest.hash, manifest.name);
  const limits = resolveLimits(manifest?.limits ?? {}, options.memoryPages === undefined ? {} : { memoryPages: options.memoryPages }, { plugin });
  for (const note of limits.notes) if (note.limit === "memoryPages") io.stderr(`note: ${note.message}\n`);
  const { memoryPages, tableElements } = limits.limits;
  const capped = options.fuel === true ? rewriteModule(bytes, { memoryPages, tableElements, plugin }) : undefined;
  const memoryOnly = capped === undefined ? capGuestMemory(bytes, memoryPages, { plugin }) : undefined;
  const out = resolve(io.cwd, options.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, capped?.bytes ?? memoryOnly?.bytes ?? bytes);
  line(io, displayPath(io, out));
  const before = capped?.memoryBefore ?? memoryOnly?.before;
  const after = capped?.memoryAfter ?? memoryOnly?.after;
  io.stderr(`✓ memory: ${memoryText(before)} → ${memoryText(after)}\n`);
  if (capped !== undefined) {
    io.stderr(`✓ metered: fuel charges and checks (transform version ${capped.meter.version}), tables capped at ${tableElements} elements, ${bytes.byteLength} → ${capped.bytes.byteLength} bytes\n`);
    for (const note of capped.notes) io.stderr(`note: ${note}\n`);
  }
  return EXIT_OK;
}

function pagesOption(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (Array.isArray(value) || !Number.isSafeInteger(count) || count < 1 || count > 65_536) {
    throw new UsageError("--memory-pages takes a whole number of 64 KiB pages from 1 to 65536.", "cap");
  }
  return count;
}

/** Registers `cap` on the command line. */
export function defineCap(cli: CAC, io: CliIo): void {
  cli
    .command("cap <bundle>", "Check a plugin's hash and write its wasm with the guest memory cap applied (for workerd, which takes precompiled modules)")
    .option("--out <file>", "Where to write the capped .wasm (required)")
    .option("--memory-pages <n>", "The host's ceiling in 64 KiB pages (default: plugin.json's limits.memoryPages, else 256)")
    .option("--fuel", "Meter the module (fuel, memory.grow reporting, table caps; docs/metering.md) so an engine can stop and budget it without a worker")
    .example("  $ threadspace cap examples/hello --out worker/plugins/hello.wasm")
    .example("  $ threadspace cap examples/hello --fuel --out worker/plugins/hello.wasm")
    .action((bundle: string, options: { out?: unknown; memoryPages?: unknown; fuel?: unknown }) => {
      if (options.out === undefined || options.out === true || Array.isArray(options.out)) throw new UsageError("--out <file> is required, once.", "cap");
      const memoryPages = pagesOption(options.memoryPages);
      return cap(io, String(bundle), { out: String(options.out), fuel: options.fuel === true, ...(memoryPages === undefined ? {} : { memoryPages }) });
    });
}
