import { describe, expect, test } from "vitest";
import { checkField, planForm } from "./schema-plan.ts";

describe("forms from export schemas", () => {
  test("a text input is one string field with its bounds; bytes and schemas a form cannot show get none", () => {
    expect(planForm({ encoding: "text", type: "string", pattern: "^[0-9]{0,15}$", description: "a seq" })).toEqual({ encoding: "text", root: { kind: "string", pattern: "^[0-9]{0,15}$", description: "a seq" } });
    expect(planForm({ encoding: "bytes" })).toBeUndefined();
    expect(planForm(undefined)).toBeUndefined();
    expect(planForm({ oneOf: [{ type: "string" }, { type: "object" }] })).toBeUndefined();
  });

  test("an object becomes its fields, nested, with what is required; unknown parts are JSON boxes", () => {
    const plan = planForm({ type: "object", required: ["threadId"], properties: { threadId: { type: "string", minLength: 1 }, limit: { type: "integer", minimum: 1, maximum: 100 }, deep: { type: "boolean" }, any: { oneOf: [] } } });
    expect(plan?.encoding).toBe("json");
    expect(plan?.root).toEqual({
      kind: "object",
      required: ["threadId"],
      fields: [
        ["threadId", { kind: "string", minLength: 1 }],
        ["limit", { kind: "number", integer: true, minimum: 1, maximum: 100 }],
        ["deep", { kind: "boolean" }],
        ["any", { kind: "json" }],
      ],
    });
  });

  test("values are checked with their JSON paths before anything is sent", () => {
    const plan = planForm({ type: "object", required: ["threadId", "mode"], properties: { threadId: { type: "string", pattern: "^[a-z]+$" }, limit: { type: "integer", minimum: 1 }, mode: { enum: ["a", "b"] } } });
    expect(checkField(plan!.root, { threadId: "ok", limit: 3, mode: "a" })).toEqual([]);
    expect(checkField(plan!.root, { threadId: "No!", limit: 0.5 })).toEqual([
      { path: "$.threadId", message: "must match ^[a-z]+$" },
      { path: "$.limit", message: "must be a whole number" },
      { path: "$.limit", message: "must be at least 1" },
      { path: "$.mode", message: "is required" },
    ]);
    expect(checkField({ kind: "string", maxLength: 3 }, "héllo")).toEqual([{ path: "$", message: "must be at most 3 characters (has 5)" }]);
  });
});
