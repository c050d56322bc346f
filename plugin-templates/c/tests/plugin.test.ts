// Vitest tests with @threadspace/testing: `npx threadspace test` runs them (in the plugin's
// folder) after tests/cases.json. testPlugin("./") builds the plugin when its wasm is stale and
// installs it into a fresh test engine with what plugin.json asks for granted; every harness is
// closed after each test.
import { expect, test } from "vitest";
import { testPlugin } from "@threadspace/testing/vitest";

test("plugin initialization", async () => expect(await testPlugin("./")).toBeRunning());

test("greets by name, counts visits in key-value state and logs", async () => {
  const t = await testPlugin("./");
  expect((await t.call("greet", "Ada")).text()).toBe("Hello, Ada! (visit #1)");
  expect((await t.call("greet", "Ada")).text()).toBe("Hello, Ada! (visit #2)");
  expect(t.kv.get("visits:Ada")).toBe(2);
  expect(t).toHaveLogged("info", "greeted Ada");
});

test("recall counts seeded memories, emits notes.recalled and logs it", async () => {
  const t = await testPlugin("./");
  await t.memories.seed([{ content: "Buy milk", tags: ["note"] }, { content: "Call Ada", tags: ["note"] }, { content: "Not a note" }]);
  const result = await t.call("recall", "note");
  expect(result.json()).toEqual({ tag: "note", count: 2 });
  expect(t).toHaveEmitted("notes.recalled", { tag: "note", count: 2 });
  expect(t).toHaveLogged("info", "recalled 2 memories tagged note");
  expect(result).toUseFuelBelow(5_000_000);
});

test("remember stores a memory tagged note", async () => {
  const t = await testPlugin("./");
  const id = (await t.call("remember", "Water the plants")).text();
  expect(t).toHaveWritten("memory", { id, content: "Water the plants", tags: ["note"] });
});

test("uses the configured greeting", async () => {
  const t = await testPlugin("./", { config: { greeting: "Hi" } });
  expect((await t.call("greet", "Grace")).text()).toBe("Hi, Grace! (visit #1)");
});

test("without memory:read, recall fails and emits nothing", async () => {
  const t = await testPlugin("./");
  await t.revoke("memory:read");
  await expect(t.call("recall", "note")).toFailWith("plugin_error");
  expect(t).not.toHaveEmitted("notes.recalled");
});
