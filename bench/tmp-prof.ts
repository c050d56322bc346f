import { readFile } from "node:fs/promises";
import { createEngine } from "@threadspace/core";
const dir = "/work/main/examples/hello/";
const wasm = new Uint8Array(await readFile(dir + "plugin.wasm"));
const manifest = JSON.parse(await readFile(dir + "plugin.json", "utf8"));
const engine = await createEngine(); await engine.install({ manifest, wasm });
for (let i = 0; i < 400000; i++) await engine.call("hello", "greet", "World");
