#!/usr/bin/env node
// The `threadspace` command. Packages run from TypeScript source, so register tsx first.
import { register } from "tsx/esm/api";

// @extism/extism loads node:wasi, which prints an ExperimentalWarning on every run; hide that one.
const [showWarning] = process.listeners("warning");
if (showWarning !== undefined) {
  process.removeListener("warning", showWarning);
  process.on("warning", (warning) => {
    if (warning.name === "ExperimentalWarning" && warning.message.includes("WASI")) return;
    showWarning(warning);
  });
}

register();
await import("../src/main.ts");
