/**
 * The form for an export's input (a {@link FormPlan} from its schema): a field per property,
 * with the schema's bounds shown, and `read()`, which collects the values, checks them
 * (`bad_input` with the JSON path of each problem, nothing sent) and returns the input to send.
 */
import { ThreadspaceError } from "@threadspace/errors";
import type { InputMode } from "../call-io.ts";
import { h } from "../dom.ts";
import { checkField, type FieldPlan, type FormIssue, type FormPlan } from "./schema-plan.ts";

interface Field {
  readonly element: HTMLElement;
  /** The value typed, or `undefined` when left empty; issues for what cannot be read (bad JSON). */
  read(issues: FormIssue[], path: string): unknown;
}

const hintOf = (plan: FieldPlan): string => {
  const parts: string[] = [];
  if (plan.kind === "string") {
    if (plan.minLength !== undefined) parts.push(`at least ${plan.minLength} characters`);
    if (plan.maxLength !== undefined) parts.push(`at most ${plan.maxLength}`);
    if (plan.pattern !== undefined) parts.push(`matches ${plan.pattern}`);
  }
  if (plan.kind === "number") {
    parts.push(plan.integer ? "a whole number" : "a number");
    if (plan.minimum !== undefined) parts.push(`from ${plan.minimum}`);
    if (plan.maximum !== undefined) parts.push(`to ${plan.maximum}`);
  }
  if (plan.kind === "json") parts.push("JSON");
  return [plan.description, parts.join(", ")].filter((text) => text !== undefined && text !== "").join(" — ");
};

function field(plan: FieldPlan, id: string, label: string, required: boolean, root: boolean): Field {
  const hint = hintOf(plan);
  const labelled = (control: HTMLElement): HTMLElement =>
    h("p", { class: "schema-field" }, h("label", { for: id }, label, required ? " *" : ""), " ", control, hint === "" ? "" : h("span", { class: "hint" }, ` ${hint}`));
  switch (plan.kind) {
    case "string": {
      if (plan.values !== undefined) {
        const select = h("select", { id, "data-path": id }, h("option", { value: "" }, "(none)"), ...plan.values.map((value) => h("option", { value }, value)));
        return { element: labelled(select), read: () => (select.value === "" ? undefined : select.value) };
      }
      const input = root ? h("textarea", { id, rows: 4, spellcheck: "false" }) : h("input", { id });
      return { element: labelled(input), read: () => (input.value === "" && !required && !root ? undefined : input.value) };
    }
    case "number": {
      const input = h("input", { id, type: "number", step: plan.integer ? 1 : "any" });
      return { element: labelled(input), read: () => (input.value.trim() === "" ? undefined : Number(input.value)) };
    }
    case "boolean": {
      const select = h("select", { id }, h("option", { value: "" }, "(none)"), h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
      return { element: labelled(select), read: () => (select.value === "" ? undefined : select.value === "true") };
    }
    case "json": {
      const box = h("textarea", { id, rows: 2, spellcheck: "false" });
      return {
        element: labelled(box),
        read: (issues, path) => {
          if (box.value.trim() === "") return undefined;
          try {
            return JSON.parse(box.value) as unknown;
          } catch {
            issues.push({ path, message: "is not valid JSON" });
            return undefined;
          }
        },
      };
    }
    case "object": {
      const fields = plan.fields.map(([name, sub]) => [name, field(sub, `${id}-${name}`, name, plan.required.includes(name), false)] as const);
      const element = h("fieldset", { class: "schema-object" }, h("legend", {}, label), plan.description === undefined ? "" : h("p", { class: "hint" }, plan.description), ...fields.map(([, sub]) => sub.element));
      return {
        element,
        read: (issues, path) => {
          const value: Record<string, unknown> = {};
          for (const [name, sub] of fields) {
            const read = sub.read(issues, `${path}.${name}`);
            if (read !== undefined) value[name] = read;
          }
          return value;
        },
      };
    }
  }
}

/** The form's element and how to read the input it holds. */
export interface SchemaForm {
  readonly element: HTMLElement;
  /** The input to send and how; throws `bad_input` (with issues) when a value breaks the schema. */
  read(): { readonly text: string; readonly mode: InputMode };
}

/** Builds the form for `plan`; ids start with `prefix`. */
export function schemaForm(plan: FormPlan, prefix: string, exportName: string): SchemaForm {
  const root = field(plan.root, prefix, plan.encoding === "text" ? "Input (text)" : "Input", false, true);
  return {
    element: h("div", { class: "schema-form", "data-encoding": plan.encoding }, root.element),
    read() {
      const issues: FormIssue[] = [];
      const value = root.read(issues, "$") ?? (plan.encoding === "text" ? "" : {});
      issues.push(...checkField(plan.root, value));
      if (issues.length > 0) {
        const first = issues.slice(0, 3).map((issue) => `${issue.path} ${issue.message}`).join("; ");
        throw new ThreadspaceError("bad_input", `[playground] the input of ${exportName} does not match its schema: ${first}. Fix the fields marked; nothing was sent.`, { issues });
      }
      return plan.encoding === "text" ? { text: value as string, mode: "text" } : { text: JSON.stringify(value), mode: "json" };
    },
  };
}
