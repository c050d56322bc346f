import { ThreadspaceError, type ThreadspaceErrorCode, type ThreadspaceIssue } from "@threadspace/errors";
import { compileConfigSchema, type ConfigCheck } from "@threadspace/host";
import type { ExportSchema, PayloadSchema } from "@threadspace/manifest";

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

/**
 * plugin.json's `exports` schemas, applied to calls (docs/exports.md): an input is checked before
 * the call is queued, so a bad one fails with `bad_input` and its JSON path and nothing runs (no
 * fuel, no host call); with `checkOutputs` (debug mode), an output is checked before the call's
 * writes commit, and a bad one fails the call with `output_invalid` (writes discarded). Schemas
 * are compiled on first use (@cfworker/json-schema, which generates no code) and kept.
 */
export class ExportContract {
  readonly #plugin: string;
  readonly #exports: Readonly<Record<string, ExportSchema>>;
  readonly #checkOutputs: boolean;
  readonly #compiled = new Map<string, ConfigCheck>();

  constructor(plugin: string, exports: Readonly<Record<string, ExportSchema>>, checkOutputs: boolean) {
    this.#plugin = plugin;
    // A copy: the manifest that engine.get() hands out cannot change what is enforced.
    this.#exports = structuredClone(exports);
    this.#checkOutputs = checkOutputs;
  }

  /** `bad_input` when a call's input breaks its export's input schema; undefined when it passes (or the export has none). */
  input(exportName: string, input: string | Uint8Array): ThreadspaceError | undefined {
    return this.#check("input", exportName, input);
  }

  /** In debug mode, `output_invalid` when an output breaks its export's output schema; otherwise undefined. */
  output(exportName: string, output: Uint8Array | null): ThreadspaceError | undefined {
    return this.#checkOutputs ? this.#check("output", exportName, output) : undefined;
  }

  #check(side: Side, exportName: string, payload: string | Uint8Array | null): ThreadspaceError | undefined {
    const entry = Object.hasOwn(this.#exports, exportName) ? this.#exports[exportName] : undefined;
    const schema = entry?.[side];
    if (schema === undefined) return undefined;
    const decoded = decode(schema, payload);
    if (decoded === "skip") return undefined;
    const where = `plugin.json exports.${exportName}.${side}`;
    if ("problem" in decoded) return this.#error(side, exportName, `the ${side} of ${exportName} ${decoded.problem}`, [{ path: "$", message: decoded.problem }], where);
    let check: ConfigCheck;
    try {
      check = this.#compile(side, exportName, schema);
    } catch (cause) {
      // Install compiled it once already (declared-exports.ts); this only guards the call path.
      return new ThreadspaceError("manifest_invalid", `plugin.json ${where} cannot be compiled as a JSON Schema (${cause instanceof Error ? cause.message : String(cause)}).`, { plugin: this.#plugin, cause });
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

  #compile(side: Side, exportName: string, schema: PayloadSchema): ConfigCheck {
    const key = `${side} ${exportName}`;
    let check = this.#compiled.get(key);
    if (check === undefined) {
      check = compileConfigSchema(schema);
      this.#compiled.set(key, check);
    }
    return check;
  }
}
