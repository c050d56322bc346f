/**
 * What form an export's input schema gets (docs/exports.md): a plan of fields built from the
 * JSON Schema, and the check of the values typed against it before anything is sent. Covers what
 * a form can show (strings with length, pattern and enum; numbers and integers with bounds;
 * booleans; objects of those, nested); any other part of a schema (oneOf, arrays, $ref, ...) is a
 * JSON box for that part. The engine checks the whole schema again when the call arrives.
 */

/** A JSON Schema as plugin.json holds it (an object), with `encoding`. */
export type Schema = Readonly<Record<string, unknown>>;

export type FieldPlan =
  | { readonly kind: "string"; readonly minLength?: number; readonly maxLength?: number; readonly pattern?: string; readonly values?: readonly string[]; readonly description?: string }
  | { readonly kind: "number"; readonly integer: boolean; readonly minimum?: number; readonly maximum?: number; readonly description?: string }
  | { readonly kind: "boolean"; readonly description?: string }
  | { readonly kind: "object"; readonly fields: ReadonlyArray<readonly [string, FieldPlan]>; readonly required: readonly string[]; readonly description?: string }
  | { readonly kind: "json"; readonly description?: string };

export interface FormPlan {
  /** How the payload travels: `text` sends the string as it is, `json` sends JSON text. */
  readonly encoding: "text" | "json";
  readonly root: FieldPlan;
}

/** One problem with a typed value: where (a JSON path, `$` for the whole input) and what. */
export interface FormIssue {
  readonly path: string;
  readonly message: string;
}

const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/** The field for one (sub)schema. */
export function planField(schema: Schema, depth = 0): FieldPlan {
  const description = str(schema["description"]);
  const common = opt("description", description);
  const composite = ["oneOf", "anyOf", "allOf", "if", "not", "$ref"].some((key) => key in schema);
  if (composite || depth > 4) return { kind: "json", ...common };
  const values = Array.isArray(schema["enum"]) && schema["enum"].every((value) => typeof value === "string") ? (schema["enum"] as string[]) : undefined;
  switch (schema["type"]) {
    case "string":
      return { kind: "string", ...opt("minLength", num(schema["minLength"])), ...opt("maxLength", num(schema["maxLength"])), ...opt("pattern", str(schema["pattern"])), ...opt("values", values), ...common };
    case "integer":
    case "number":
      return { kind: "number", integer: schema["type"] === "integer", ...opt("minimum", num(schema["minimum"])), ...opt("maximum", num(schema["maximum"])), ...common };
    case "boolean":
      return { kind: "boolean", ...common };
    case "object": {
      const properties = schema["properties"];
      if (typeof properties !== "object" || properties === null || Array.isArray(properties)) return { kind: "json", ...common };
      const fields = Object.entries(properties as Record<string, unknown>).map(([name, sub]): readonly [string, FieldPlan] => [name, typeof sub === "object" && sub !== null ? planField(sub as Schema, depth + 1) : { kind: "json" }]);
      const required = Array.isArray(schema["required"]) ? schema["required"].filter((name): name is string => typeof name === "string") : [];
      return { kind: "object", fields, required, ...common };
    }
    default:
      return values === undefined ? { kind: "json", ...common } : { kind: "string", values, ...common };
  }
}

/** The form for an input schema; undefined when there is none to build (no schema, `bytes`, or nothing a form can show better than a text box). */
export function planForm(schema: Schema | undefined): FormPlan | undefined {
  if (schema === undefined) return undefined;
  const encoding = schema["encoding"] ?? "json";
  if (encoding === "bytes") return undefined;
  if (encoding === "text") return { encoding: "text", root: planField({ ...schema, type: "string" }) };
  const root = planField(schema);
  return root.kind === "json" ? undefined : { encoding: "json", root };
}

const child = (path: string, name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`);

/** The issues of `value` against `plan` (what the form can check; the engine checks the rest). */
export function checkField(plan: FieldPlan, value: unknown, path = "$"): FormIssue[] {
  switch (plan.kind) {
    case "string": {
      if (typeof value !== "string") return [{ path, message: "must be text" }];
      const length = [...value].length;
      const issues: FormIssue[] = [];
      if (plan.minLength !== undefined && length < plan.minLength) issues.push({ path, message: `must be at least ${plan.minLength} characters (has ${length})` });
      if (plan.maxLength !== undefined && length > plan.maxLength) issues.push({ path, message: `must be at most ${plan.maxLength} characters (has ${length})` });
      if (plan.pattern !== undefined && !new RegExp(plan.pattern, "u").test(value)) issues.push({ path, message: `must match ${plan.pattern}` });
      if (plan.values !== undefined && !plan.values.includes(value)) issues.push({ path, message: `must be one of ${plan.values.join(", ")}` });
      return issues;
    }
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return [{ path, message: "must be a number" }];
      const issues: FormIssue[] = [];
      if (plan.integer && !Number.isInteger(value)) issues.push({ path, message: "must be a whole number" });
      if (plan.minimum !== undefined && value < plan.minimum) issues.push({ path, message: `must be at least ${plan.minimum}` });
      if (plan.maximum !== undefined && value > plan.maximum) issues.push({ path, message: `must be at most ${plan.maximum}` });
      return issues;
    }
    case "boolean":
      return typeof value === "boolean" ? [] : [{ path, message: "must be true or false" }];
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return [{ path, message: "must be an object" }];
      const record = value as Record<string, unknown>;
      return plan.fields.flatMap(([name, field]) => {
        if (!Object.hasOwn(record, name)) return plan.required.includes(name) ? [{ path: child(path, name), message: "is required" }] : [];
        return checkField(field, record[name], child(path, name));
      });
    }
    case "json":
      return [];
  }
}
