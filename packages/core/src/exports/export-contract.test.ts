import { describe, expect, test } from "vitest";
import { ExportContract } from "./export-contract.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("ExportContract", () => {
  const contract = new ExportContract(
    "p",
    {
      find: { input: { type: "object", required: ["q"], properties: { q: { type: "string", maxLength: 3 }, n: { $ref: "#/$defs/small" } }, $defs: { small: { type: "integer", maximum: 5 } } }, output: { type: "array" } },
      say: { input: { encoding: "text", type: "string", pattern: "^[a-z]+$" }, output: { encoding: "text", maxLength: 2 } },
      raw: { input: { encoding: "bytes" } },
      free: { description: "no schemas" },
    },
    true,
  );

  test("passes inputs that match, as text or bytes", () => {
    expect(contract.input("find", '{"q":"abc","n":5}')).toBeUndefined();
    expect(contract.input("find", bytes('{"q":"x"}'))).toBeUndefined();
    expect(contract.input("say", "hello")).toBeUndefined();
    expect(contract.input("raw", new Uint8Array([0xff]))).toBeUndefined();
    expect(contract.input("free", "anything")).toBeUndefined();
    expect(contract.input("undeclared", "anything")).toBeUndefined();
  });

  test("refuses the rest with bad_input, every issue with its JSON path", () => {
    const error = contract.input("find", '{"q":"abcd","n":6}');
    expect(error?.code).toBe("bad_input");
    expect(error?.issues.map((issue) => issue.path).sort()).toEqual(["$.n", "$.q"]);
    expect(error?.message).toContain("Nothing ran");
    expect(contract.input("find", "{")?.issues[0]?.message).toContain("is not JSON");
    expect(contract.input("find", "")?.issues[0]?.message).toContain("is empty");
    expect(contract.input("say", bytes("Hi"))?.issues[0]?.path).toBe("$");
    expect(contract.input("say", new Uint8Array([0xc3]))?.issues[0]?.message).toBe("is not UTF-8 text");
  });

  test("checks outputs only when asked to", () => {
    expect(contract.output("find", bytes("[]"))).toBeUndefined();
    expect(contract.output("find", bytes("{}"))?.code).toBe("output_invalid");
    expect(contract.output("find", null)?.code).toBe("output_invalid");
    expect(contract.output("say", bytes("abc"))?.code).toBe("output_invalid");
    const relaxed = new ExportContract("p", { find: { output: { type: "array" } } }, false);
    expect(relaxed.output("find", bytes("{}"))).toBeUndefined();
  });

  test("an export named like an Object.prototype member is not confused with one", () => {
    expect(contract.input("constructor", "x")).toBeUndefined();
    expect(contract.input("__proto__", "x")).toBeUndefined();
  });

  test("a deeply nested input is refused, not a crash", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const error = new ExportContract("p", { f: { input: { type: "array", items: { type: "array" } } } }, false).input("f", deep);
    expect(error === undefined || error.code === "bad_input").toBe(true);
  });
});
