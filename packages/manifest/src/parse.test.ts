import { isThreadspaceError, type ThreadspaceError } from "@threadspace/errors";
import { describe, expect, test } from "vitest";
import { parseManifest, safeParseManifest } from "./parse.ts";

/** The exact JSON of the plugin guide's "Define Plugin Metadata" section. */
const GUIDE_EXAMPLE = `{
    "name": "my_plugin",
    "version": "1.0.0",
    "description": "Plugin description",
    "author": "Your Name",
    "dependencies": [],
    "capabilities": [
        "capability_1",
        "capability_2"
    ],
    "config": {
        "enabled": true,
        "setting_1": "value_1"
    }
}`;

/** The guide's "Configuration File Structure" config. */
const GUIDE_CONFIG = {
  enabled: true,
  interval: 300,
  log_level: "INFO",
  features: { feature_1: true, feature_2: false },
};

const HASH = `sha256:${"0123456789abcdef".repeat(4)}`;

const FULL = {
  name: "memory-analyzer",
  version: "1.2.0-beta.1",
  description: "Analyses memories.",
  author: "Ada",
  dependencies: ["hello", "pattern-recognizer@^2.0.0"],
  capabilities: ["memory-analysis"],
  config: GUIDE_CONFIG,
  main: "build/plugin.wasm",
  hash: HASH,
  permissions: ["memory:read", "log", "custom:weather.read"],
  subscriptions: ["memory.created", "thread.*"],
  configSchema: { type: "object", properties: { interval: { type: "number" } } },
  limits: { timeoutMs: 1000, memoryPages: 16, maxInputBytes: 1024, maxOutputBytes: 2048, hostCallsPerCall: 100, eventsPerSecond: 10, storageBytes: 65536, fuel: 1000000, isolation: "worker" },
  engine: "^1.0.0",
  interface: "extism",
};

const MINIMAL = { name: "my_plugin", version: "1.0.0" };

/** The issues of an input that must fail. */
function issuesOf(input: unknown): { path: string; message: string }[] {
  const result = safeParseManifest(input);
  expect(result.success).toBe(false);
  return result.issues;
}

/** The error parseManifest throws for an input that must fail. */
function errorOf(input: unknown, source?: string): ThreadspaceError {
  try {
    parseManifest(input, { source });
  } catch (error) {
    if (isThreadspaceError(error)) return error;
    throw error;
  }
  throw new Error("expected parseManifest to throw");
}

describe("valid manifests", () => {
  test("the guide's example parses and keeps every field", () => {
    expect(parseManifest(GUIDE_EXAMPLE)).toEqual({
      name: "my_plugin",
      version: "1.0.0",
      description: "Plugin description",
      author: "Your Name",
      dependencies: [],
      capabilities: ["capability_1", "capability_2"],
      config: { enabled: true, setting_1: "value_1" },
      main: "plugin.wasm",
      permissions: [],
      subscriptions: [],
      limits: {},
      interface: "threadspace",
    });
  });

  test("the guide's configuration example is accepted as config", () => {
    expect(parseManifest({ ...MINIMAL, config: GUIDE_CONFIG }).config).toEqual(GUIDE_CONFIG);
  });

  test("a minimal manifest gets every default", () => {
    const manifest = parseManifest(MINIMAL);
    expect(manifest).toEqual({
      name: "my_plugin",
      version: "1.0.0",
      description: "",
      author: "",
      dependencies: [],
      capabilities: [],
      config: {},
      main: "plugin.wasm",
      permissions: [],
      subscriptions: [],
      limits: {},
      interface: "threadspace",
    });
    expect("hash" in manifest || "engine" in manifest || "configSchema" in manifest).toBe(false);
  });

  test("every field is kept as written", () => {
    expect(parseManifest(FULL)).toEqual(FULL);
  });

  test("text, bytes and objects give the same manifest", () => {
    const text = JSON.stringify(FULL);
    const fromText = parseManifest(text);
    expect(parseManifest(new TextEncoder().encode(text))).toEqual(fromText);
    expect(parseManifest(FULL)).toEqual(fromText);
  });

  test("the output shares nothing with the input, and is frozen all the way down", () => {
    const input = structuredClone(FULL);
    const manifest = parseManifest(input);
    expect(manifest.config).not.toBe(input.config);
    expect(manifest.dependencies).not.toBe(input.dependencies);
    expect(manifest.limits).not.toBe(input.limits);
    expect(() => (manifest.dependencies as string[]).push("x")).toThrow(TypeError);
    expect(() => {
      (manifest.config["features"] as Record<string, boolean>)["feature_1"] = false;
    }).toThrow(TypeError);
    expect(() => {
      (manifest as { name: string }).name = "other";
    }).toThrow(TypeError);
    input.dependencies.push("changed");
    input.config.features.feature_1 = false;
    expect(manifest.dependencies).toEqual(FULL.dependencies);
    expect((manifest.config["features"] as Record<string, boolean>)["feature_1"]).toBe(true);
  });

  test("log_level is accepted in any case, and config keeps any other JSON", () => {
    const config = { log_level: "warning", retries: [1, 2, { deep: null }], name: "x", interval: 0.5 };
    expect(parseManifest({ ...MINIMAL, config }).config).toEqual(config);
  });

  test("configSchema may give type as a list", () => {
    expect(parseManifest({ ...MINIMAL, configSchema: { type: ["object", "null"] } }).configSchema).toEqual({ type: ["object", "null"] });
  });

  test("safeParseManifest returns the manifest and no issues", () => {
    const result = safeParseManifest(GUIDE_EXAMPLE);
    expect(result.success).toBe(true);
    expect(result.issues).toEqual([]);
    expect(result.output?.name).toBe("my_plugin");
  });
});

describe("each rule reports its own path", () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ["name missing", { name: undefined }, "$.name", "is required"],
    ["name not a string", { name: 5 }, "$.name", "must be a string"],
    ["name empty", { name: "" }, "$.name", "empty"],
    ["name too long", { name: "a".repeat(65) }, "$.name", "the limit is 64"],
    ["name pattern", { name: "My Plugin" }, "$.name", 'e.g. "my_plugin"'],
    ["version missing", { version: undefined }, "$.version", "is required"],
    ["version not semver", { version: "1.0" }, "$.version", 'e.g. "1.0.0"'],
    ["version null", { version: null }, "$.version", "must be a string"],
    ["description type", { description: 5 }, "$.description", "must be a string"],
    ["description length", { description: "x".repeat(1025) }, "$.description", "the limit is 1024"],
    ["author type", { author: null }, "$.author", "must be a string"],
    ["author length", { author: "x".repeat(257) }, "$.author", "the limit is 256"],
    ["dependencies type", { dependencies: "hello" }, "$.dependencies", "must be an array"],
    ["dependency item type", { dependencies: ["a", 1] }, "$.dependencies[1]", "must be a string"],
    ["dependency range", { dependencies: ["a", "b@latest"] }, "$.dependencies[1]", "not a semver range"],
    ["dependency duplicate", { dependencies: ["a", "b", "a@^1.0.0"] }, "$.dependencies[2]", "repeats $.dependencies[0]"],
    ["self-dependency", { dependencies: ["my_plugin@^1.0.0"] }, "$.dependencies[0]", "cannot depend on itself"],
    ["capabilities type", { capabilities: {} }, "$.capabilities", "must be an array"],
    ["capability empty", { capabilities: ["a", ""] }, "$.capabilities[1]", "empty"],
    ["capability long", { capabilities: ["x".repeat(129)] }, "$.capabilities[0]", "the limit is 128"],
    ["capability pattern", { capabilities: ["a b"] }, "$.capabilities[0]", "no spaces"],
    ["capability duplicate", { capabilities: ["a", "a"] }, "$.capabilities[1]", "repeats $.capabilities[0]"],
    ["config type", { config: [] }, "$.config", "must be an object"],
    ["config.enabled", { config: { enabled: "yes" } }, "$.config.enabled", "true or false"],
    ["config.interval type", { config: { interval: "300" } }, "$.config.interval", "number of seconds"],
    ["config.interval zero", { config: { interval: 0 } }, "$.config.interval", "above 0"],
    ["config.log_level", { config: { log_level: "LOUD" } }, "$.config.log_level", "not a log level"],
    ["config.log_level type", { config: { log_level: 3 } }, "$.config.log_level", "log level"],
    ["config.features type", { config: { features: [true] } }, "$.config.features", "must be an object"],
    ["config.features item", { config: { features: { feature_1: "on" } } }, "$.config.features.feature_1", "true or false"],
    ["main type", { main: 1 }, "$.main", "must be a string"],
    ["main parent", { main: "../plugin.wasm" }, "$.main", '".."'],
    ["main absolute", { main: "/plugin.wasm" }, "$.main", "absolute"],
    ["main extension", { main: "plugin.js" }, "$.main", '".wasm"'],
    ["hash", { hash: "sha256:abc" }, "$.hash", "64 lowercase hex digits"],
    ["permissions type", { permissions: "log" }, "$.permissions", "must be an array"],
    ["permission unknown", { permissions: ["log", "memory:reed"] }, "$.permissions[1]", 'Did you mean "memory:read"?'],
    ["permission custom", { permissions: ["custom:Bad"] }, "$.permissions[0]", "custom:<name>"],
    ["permission duplicate", { permissions: ["log", "kv", "log"] }, "$.permissions[2]", "repeats $.permissions[0]"],
    ["subscription pattern", { subscriptions: ["Memory.Created"] }, "$.subscriptions[0]", "not a valid topic"],
    ["subscription duplicate", { subscriptions: ["a.*", "a.*"] }, "$.subscriptions[1]", "repeats"],
    ["configSchema type", { configSchema: "object" }, "$.configSchema", "must be an object"],
    ["configSchema.type", { configSchema: { type: 1 } }, "$.configSchema.type", "JSON Schema type"],
    ["configSchema.type list", { configSchema: { type: ["object", 1] } }, "$.configSchema.type", "JSON Schema type"],
    ["limits type", { limits: [] }, "$.limits", "must be an object"],
    ["limits zero", { limits: { timeoutMs: 0 } }, "$.limits.timeoutMs", "whole number of at least 1"],
    ["limits fraction", { limits: { fuel: 1.5 } }, "$.limits.fuel", "whole number"],
    ["limits unsafe", { limits: { storageBytes: 2 ** 53 } }, "$.limits.storageBytes", "whole number"],
    ["limits string", { limits: { maxInputBytes: "1kb" } }, "$.limits.maxInputBytes", "must be a number"],
    ["limits pages", { limits: { memoryPages: 65537 } }, "$.limits.memoryPages", "from 1 to 65536"],
    ["limits isolation", { limits: { isolation: "thread" } }, "$.limits.isolation", '"inline", "pool" or "worker"'],
    ["limits unknown", { limits: { timeout: 5 } }, "$.limits.timeout", 'Did you mean "timeoutMs"?'],
    ["engine", { engine: "latest" }, "$.engine", "not a semver range"],
    ["engine type", { engine: 1 }, "$.engine", "must be a string"],
    ["interface", { interface: "wasi" }, "$.interface", '"threadspace"'],
    ["unknown field", { dependancies: [] }, "$.dependancies", 'Did you mean "dependencies"?'],
  ];

  test.each(cases)("%s", (_, patch, path, words) => {
    const issues = issuesOf({ ...MINIMAL, ...patch });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(path);
    expect(issues[0]?.message).toContain(words);
  });

  test("limits accept the boundary values", () => {
    const limits = { memoryPages: 65536, timeoutMs: 1, fuel: Number.MAX_SAFE_INTEGER };
    expect(parseManifest({ ...MINIMAL, limits }).limits).toEqual(limits);
  });

  test("an unknown field far from every known one lists the known fields", () => {
    const [issue] = issuesOf({ ...MINIMAL, banana: 1 });
    expect(issue?.message).toContain('"banana" is not a known field.');
    expect(issue?.message).toContain("Known fields: name, version, description");
  });

  test("odd keys get bracketed paths", () => {
    expect(issuesOf({ ...MINIMAL, "my field": 1 })[0]?.path).toBe('$["my field"]');
  });
});

describe("every problem is reported at once", () => {
  test("issues from every field, in document order", () => {
    const issues = issuesOf({
      name: "Bad Name",
      version: "one",
      dependencies: ["ok", 7, "x@nope"],
      permissions: ["memory:reed"],
      limits: { timeoutMs: -1, memory: 4 },
      dependancies: [],
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      "$.name",
      "$.version",
      "$.dependencies[1]",
      "$.dependencies[2]",
      "$.permissions[0]",
      "$.limits.timeoutMs",
      "$.limits.memory",
      "$.dependancies",
    ]);
  });

  test("missing required fields are reported first, both of them", () => {
    expect(issuesOf({ description: 5 }).map((issue) => issue.path)).toEqual(["$.name", "$.version", "$.description"]);
  });

  test("one value gets one issue, not one per rule it breaks", () => {
    expect(issuesOf({ ...MINIMAL, name: "" })).toHaveLength(1);
    expect(issuesOf({ ...MINIMAL, capabilities: [""] })).toHaveLength(1);
  });

  test("every bad item of a long list gets its own issue", () => {
    const dependencies = Array.from({ length: 50 }, (_, i) => `Dep${i}`);
    const issues = issuesOf({ ...MINIMAL, dependencies });
    expect(issues).toHaveLength(50);
    expect(issues[49]?.path).toBe("$.dependencies[49]");
  });
});

describe("prototype keys are plain data", () => {
  test("top-level __proto__, constructor and prototype are unknown fields and touch no prototype", () => {
    const text = `{"name":"my_plugin","version":"1.0.0","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1}`;
    const issues = issuesOf(text);
    expect(issues.map((issue) => issue.path)).toEqual(["$.__proto__", "$.constructor", "$.prototype"]);
    expect(issues[0]?.message).toContain("is not a known field");
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  test("a parsed object with an own __proto__ key is read the same way", () => {
    const input = JSON.parse('{"name":"my_plugin","version":"1.0.0","__proto__":{"description":"from proto"}}') as unknown;
    expect(issuesOf(input).map((issue) => issue.path)).toEqual(["$.__proto__"]);
  });

  test("__proto__ keys inside config are refused (the safer choice), at any depth", () => {
    const text = `{"name":"my_plugin","version":"1.0.0","config":{"__proto__":{"isAdmin":true},"a":[{"__proto__":1}]},"configSchema":{"properties":{"__proto__":{}}}}`;
    const issues = issuesOf(text);
    expect(issues.map((issue) => issue.path)).toEqual(["$.config.__proto__", "$.config.a[0].__proto__", "$.configSchema.properties.__proto__"]);
    expect(issues[0]?.message).toContain("prototype");
  });

  test("constructor and prototype keys in config stay own data properties", () => {
    const text = `{"name":"my_plugin","version":"1.0.0","config":{"constructor":{"prototype":{"x":1}},"prototype":2}}`;
    const { config } = parseManifest(text);
    expect(Object.keys(config)).toEqual(["constructor", "prototype"]);
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(config["constructor"]).toEqual({ prototype: { x: 1 } });
    const merged = Object.assign({}, config);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });

  test("__proto__ in limits is an unknown limit", () => {
    const issues = issuesOf(`{"name":"my_plugin","version":"1.0.0","limits":{"__proto__":{"timeoutMs":1}}}`);
    expect(issues.map((issue) => issue.path)).toEqual(["$.limits.__proto__"]);
  });

  test("the output holds only known fields", () => {
    const input = JSON.parse('{"name":"my_plugin","version":"1.0.0","config":{"k":1}}') as Record<string, unknown>;
    const manifest = parseManifest(input);
    expect(Object.getPrototypeOf(manifest)).toBe(Object.prototype);
    expect(Object.keys(manifest)).toEqual(["name", "version", "description", "author", "dependencies", "capabilities", "config", "main", "permissions", "subscriptions", "limits", "interface"]);
  });
});

describe("parseManifest errors", () => {
  test("throw manifest_invalid with every issue", () => {
    const error = errorOf({ name: "my_plugin", version: "x", main: "/a.wasm" });
    expect(error.code).toBe("manifest_invalid");
    expect(error.issues.map((issue) => issue.path)).toEqual(["$.version", "$.main"]);
  });

  test("name the source and the plugin, and list issues one a line", () => {
    const error = errorOf({ name: "my_plugin", version: "x", main: "/a.wasm" }, "plugins/my_plugin/plugin.json");
    expect(error.plugin).toBe("my_plugin");
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("[threadspace] [plugin my_plugin] plugin.json is invalid (source: plugins/my_plugin/plugin.json), 2 problems:");
    expect(lines[1]).toMatch(/^ {2}- \$\.version: "x" is not a semver version/);
    expect(lines[2]).toMatch(/^ {2}- \$\.main: /);
  });

  test("leave the plugin out when its name cannot be read", () => {
    const error = errorOf({ name: "Bad Name", version: "1.0.0" });
    expect(error.plugin).toBeUndefined();
    expect(error.message).toMatch(/^\[threadspace\] plugin\.json is invalid, 1 problem:/);
  });

  test("refusals of the whole document are issues at $", () => {
    const error = errorOf("{not json", "x/plugin.json");
    expect(error.issues).toEqual([{ path: "$", message: expect.stringContaining("not valid JSON") as unknown as string }]);
    expect(error.message).toContain("(source: x/plugin.json)");
  });

  test("list at most 20 issues in the message, all of them in issues", () => {
    const error = errorOf({ ...MINIMAL, capabilities: Array.from({ length: 30 }, () => "bad cap") });
    expect(error.issues).toHaveLength(30);
    expect(error.message.split("\n")).toHaveLength(22);
    expect(error.message).toContain("... and 10 more (see error.issues).");
  });

  test("hostile objects become manifest_invalid, not stray exceptions", () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error("trap"); } });
    const error = errorOf(hostile);
    expect(error.issues[0]?.path).toBe("$");
    expect(error.issues[0]?.message).toContain("trap");
    const getter = { name: "a", get version(): string { throw new Error("getter"); } };
    expect(errorOf(getter).issues[0]?.message).toContain("getter");
  });

  test("errors survive JSON and structuredClone via toJSON", () => {
    const error = errorOf({ name: "my_plugin" });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: "manifest_invalid", plugin: "my_plugin", issues: [{ path: "$.version" }] });
  });
});

describe("a manifest validated before", () => {
  const text = JSON.stringify({ name: "cached", version: "1.0.0", dependencies: ["dep"], permissions: ["kv"], limits: { timeoutMs: 50 }, config: { a: [1] } });

  test("gives the same frozen manifest again, which nobody can change", () => {
    const first = parseManifest(text);
    const second = parseManifest(JSON.parse(text) as unknown);
    expect(second).toBe(first);
    expect(() => (first.dependencies as string[]).push("changed")).toThrow(TypeError);
    expect(() => {
      (first.limits as Record<string, unknown>)["timeoutMs"] = 1;
    }).toThrow(TypeError);
    expect(parseManifest(text).dependencies).toEqual(["dep"]);
    expect(parseManifest(text).limits).toEqual({ timeoutMs: 50 });
  });

  test("under another name, the same frozen fields with the new name", () => {
    const first = parseManifest(text);
    const renamed = parseManifest({ ...(JSON.parse(text) as object), name: "renamed" });
    expect(renamed.name).toBe("renamed");
    expect(first.name).toBe("cached");
    expect(renamed.limits).toBe(first.limits);
    expect(Object.isFrozen(renamed)).toBe(true);
  });

  test("an invalid manifest is refused every time, and a changed text is checked again", () => {
    const bad = JSON.stringify({ name: "cached", version: "one" });
    expect(safeParseManifest(bad).success).toBe(false);
    expect(safeParseManifest(bad).success).toBe(false);
    parseManifest(text);
    expect(safeParseManifest(text.replace('"1.0.0"', '"x"')).success).toBe(false);
  });
});

describe("a manifest like one validated before but for its name", () => {
  const like = (name: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ name, version: "2.0.0", dependencies: ["base"], limits: { timeoutMs: 70 }, ...extra });

  test("gets its own name and the same fields", () => {
    const first = parseManifest(like("renamed_a"));
    const second = parseManifest(like("renamed_b"));
    expect(second).toEqual({ ...first, name: "renamed_b" });
    expect(second.dependencies).toBe(first.dependencies);
    expect(Object.isFrozen(second)).toBe(true);
  });

  test("a bad name, or a name that makes it depend on itself, is still refused", () => {
    parseManifest(like("renamed_c"));
    const badName = safeParseManifest(like("Bad Name!"));
    expect(badName.success).toBe(false);
    expect(badName.issues.map((issue) => issue.path)).toEqual(["$.name"]);
    expect(safeParseManifest(like(7)).success).toBe(false);
    const self = safeParseManifest(like("base"));
    expect(self.success).toBe(false);
    expect(self.issues.map((issue) => issue.path)).toEqual(["$.dependencies[0]"]);
  });

  test("a document without a name is refused", () => {
    parseManifest(like("renamed_d"));
    const text = JSON.stringify({ version: "2.0.0", dependencies: ["base"], limits: { timeoutMs: 70 }, name: undefined });
    expect(safeParseManifest(text).success).toBe(false);
  });
});
