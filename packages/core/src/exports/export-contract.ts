import { ThreadspaceError, type ThreadspaceErrorCode, type ThreadspaceIssue } from "@threadspace/errors";
import { compileConfigSchema, type ConfigCheck } from "@threadspace/host";
import type { ExportSchema, PayloadSchema } from "@threadspace/manifest";
import { textQuickPass } from "./quick-pass.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Issues named in an error message; the error's `issues` carry them all (at most 20). */
const SHOWN_ISSUES = 3;

type Side = "input" | "output";

/** The decoded payload, or why it cannot be decoded; `skip` for bytes (never checked). */
type Decoded = { readonly value: unknown } | { readonly problem: string } | "skip";

function decode(schema: PayloadSchema, payload: string | Uint8Array | null): Decoded {
  const encoding = schema.encoding ?? "json";
  if (encoding === "bytes") return "skip";
  let text: string;
  if (typeof payload === "string") text = payload;
  else {
    try {
      text = utf8.decode(payload ?? new Uint8Array(0));
    } catch {
      return { problem: "is not UTF-8 text" };
    }
  }
  if (encoding === "text") return { value: text };
  if (text.length === 0) return { problem: "is empty, and its schema asks for JSON" };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (cause) {
    return { problem: `is not JSON (${cause instanceof Error ? cause.message : String(cause)}), and its schema asks for JSON` };
  }
}

/** One side of one export: its schema, and its validator once compiled. */
interface Contracted {
  readonly schema: PayloadSchema;
  /** Proves a text payload valid without the validator (quick-pass.ts); undefined when it cannot. */
  readonly quick: ((text: string) => boolean) | undefined;
  check?: ConfigCheck;
}

/**
 * plugin.json's `exports` schemas, applied to calls (docs/exports.md): an input is checked before
 * the call is queued, so a bad one fails with `bad_input` and its JSON path and nothing runs (no
 * fuel, no host call); with `checkOutputs` (debug mode), an output is checked before the call's
 * writes commit, and a bad one fails the call with `output_invalid` (writes discarded). Schemas
 * are compiled on first use (@cfworker/json-schema, which generates no code) and kept; install
 * compiled each once already (declared-exports.ts).
 */
export class ExportContract {
  readonly #plugin: string;
  readonly #inputs: ReadonlyMap<string, Contracted>;
  readonly #outputs: ReadonlyMap<string, Contracted>;

  /** `exports` is a parsed manifest's (frozen): what is enforced cannot change after install. */
  constructor(plugin: string, exports: Readonly<Record<string, ExportSchema>>, checkOutputs: boolean) {
    this.#plugin = plugin;
    const sides = sidesOf(exports);
    this.#inputs = sides.inputs;
    this.#outputs = checkOutputs ? sides.outputs : NONE;
  }

  /** `bad_input` when a call's input breaks its export's input schema; undefined when it passes (or the export has none). */
  input(exportName: string, input: string | Uint8Array): ThreadspaceError | undefined {
    const side = this.#inputs.get(exportName);
    return side === undefined ? undefined : this.#check("input", exportName, side, input);
  }

  /** In debug mode, `output_invalid` when an output breaks its export's output schema; otherwise undefined. */
  output(exportName: string, output: Uint8Array | null): ThreadspaceError | undefined {
    const side = this.#outputs.get(exportName);
    return side === undefined ? undefined : this.#check("output", exportName, side, output);
  }

  #check(side: Side, exportName: string, contract: Contracted, payload: string | Uint8Array | null): ThreadspaceError | undefined {
    const { schema, quick } = contract;
    if (quick !== undefined && typeof payload === "string" && quick(payload)) return undefined;
    const decoded = decode(schema, payload);
    if (decoded === "skip") return undefined;
    const where = `plugin.json exports.${exportName}.${side}`;
    if ("problem" in decoded) return this.#error(side, exportName, `the ${side} of ${exportName} ${decoded.problem}`, [{ path: "$", message: decoded.problem }], where);
    let check = contract.check;
    if (check === undefined) {
      try {
        check = compileConfigSchema(schema);
      } catch (cause) {
        // Install compiled it once already (declared-exports.ts); this only guards the call path.
        return new ThreadspaceError("manifest_invalid", `plugin.json ${where} cannot be compiled as a JSON Schema (${cause instanceof Error ? cause.message : String(cause)}).`, { plugin: this.#plugin, cause });
      }
      contract.check = check;
    }
    const issues = check(decoded.value);
    if (issues.length === 0) return undefined;
    const shown = issues.slice(0, SHOWN_ISSUES).map((issue) => `${issue.path} ${issue.message}`).join("; ");
    const more = issues.length > SHOWN_ISSUES ? ` (and ${issues.length - SHOWN_ISSUES} more in the error's issues)` : "";
    return this.#error(side, exportName, `the ${side} of ${exportName} does not match its schema (${where}): ${shown}${more}`, issues, where);
  }

  #error(side: Side, exportName: string, what: string, issues: readonly ThreadspaceIssue[], where: string): ThreadspaceError {
    const code: ThreadspaceErrorCode = side === "input" ? "bad_input" : "output_invalid";
    const next = side === "input" ? `Nothing ran. Send ${exportName} an input that matches ${where}.` : `The call's writes were discarded. Fix the plugin, or its schema in ${where}.`;
    return new ThreadspaceError(code, `${what}. ${next}`, { plugin: this.#plugin, issues });
  }
}

function contracted(schema: PayloadSchema): Contracted {
  return { schema, quick: schema.encoding === "text" ? textQuickPass(schema) : undefined };
}

const NONE: ReadonlyMap<string, Contracted> = new Map();

interface Sides {
  readonly inputs: ReadonlyMap<string, Contracted>;
  readonly outputs: ReadonlyMap<string, Contracted>;
}

/** Every install of one manifest (frozen by parseManifest, shared by renamed copies) shares its exports' contracts and their compiled checks. */
const sidesByExports = new WeakMap<object, Sides>();

function sidesOf(exports: Readonly<Record<string, ExportSchema>>): Sides {
  const known = sidesByExports.get(exports);
  if (known !== undefined) return known;
  // Not frozen (a manifest built by hand): a copy, so that later changes to it change nothing enforced.
  const own = Object.isFrozen(exports) ? exports : (structuredClone(exports) as Readonly<Record<string, ExportSchema>>);
  const inputs = new Map<string, Contracted>();
  const outputs = new Map<string, Contracted>();
  for (const [name, entry] of Object.entries(own)) {
    if (entry.input !== undefined) inputs.set(name, contracted(entry.input));
    if (entry.output !== undefined) outputs.set(name, contracted(entry.output));
  }
  const sides = { inputs, outputs };
  if (Object.isFrozen(exports)) sidesByExports.set(exports, sides);
  return sides;
}
