import { LogStore } from "@threadspace/host";
import { describe, expect, test } from "vitest";
import { extismLogging } from "./extism-logging.ts";

describe("extismLogging", () => {
  test("kernel logs land in the plugin's log, filtered by its live level", () => {
    const logs = new LogStore();
    logs.open("p", "warn");
    const logging = extismLogging("p", logs);
    logging.logger.info("quiet");
    logging.logger.error("abort: boom");
    logs.setLevel("p", "debug");
    logging.logger.debug("now seen");
    expect(logs.read("p").map((entry) => [entry.level, entry.message, entry.source])).toEqual([
      ["error", "abort: boom", "extism"],
      ["debug", "now seen", "extism"],
    ]);
  });

  test("the context Extism binds its functions to gets the plugin's level, now and on change", () => {
    const logs = new LogStore();
    logs.open("p", "warn");
    const logging = extismLogging("p", logs);
    const context = { logLevel: "trace" };
    // What @extism/extism does with every function it is given: fn.bind(null, context).
    for (const namespace of Object.values(logging.functions)) for (const fn of Object.values(namespace)) fn.bind(null, context as never);
    logging.bind();
    expect(context.logLevel).toBe("warn");
    logs.setLevel("p", "debug");
    expect(context.logLevel).toBe("debug");
  });

  test("without a captured context Extism stays at trace and the log still filters", () => {
    const logs = new LogStore();
    logs.open("p", "error");
    const logging = extismLogging("p", logs);
    logging.bind();
    expect(logging.logLevel).toBe("trace");
    logging.logger.warn("dropped");
    expect(logs.read("p")).toEqual([]);
  });
});
