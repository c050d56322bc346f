#!/usr/bin/env node
// Makes sure the test set-up has its system tools: a Chromium for the browser suites
// (THREADSPACE_CHROMIUM, else /usr/bin/chromium), clang + lld (wasm-ld) for the C example
// plugins and fixtures, and python3 (the pseudo-terminal of threadspace run's test). As root
// with apt, Debian's missing packages are installed in one go (`apt-get update` first: a fresh
// machine has no package lists). Otherwise it stops and names exactly what to install.
import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

const chromium = process.env.THREADSPACE_CHROMIUM ?? "/usr/bin/chromium";

function usable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function runs(command, args = ["--version"]) {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

if (process.env.THREADSPACE_CHROMIUM && !usable(chromium)) {
  console.error(`[threadspace] THREADSPACE_CHROMIUM points at ${chromium}, which is not an executable file. Fix the variable or unset it to use /usr/bin/chromium.`);
  process.exit(1);
}

/** Debian packages of the tools that are missing. */
function missing() {
  const packages = [];
  if (!usable(chromium)) packages.push("chromium");
  if (!runs("clang")) packages.push("clang");
  // Debian's lld provides wasm-ld (as wasm-ld, or wasm-ld-<version> with an alternative).
  if (!runs("wasm-ld") && !runs("wasm-ld-14")) packages.push("lld");
  // `threadspace run`'s prompt is tested in a pseudo-terminal made with Python's pty module.
  if (!runs("python3")) packages.push("python3");
  return packages;
}

let needed = missing();
if (needed.length === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && runs("apt-get")) {
  console.log(`[threadspace] Installing Debian's ${needed.join(", ")} for the tests (apt-get update, apt-get install)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", ...needed], { stdio: "inherit", env });
  needed = missing();
  if (needed.length === 0) process.exit(0);
}

const lines = [`[threadspace] The tests need ${needed.join(", ")}, which ${needed.length === 1 ? "is" : "are"} not installed.`];
lines.push(`  - On Debian/Ubuntu as root: apt-get update && apt-get install -y ${needed.join(" ")}`);
if (needed.includes("chromium")) lines.push("  - Or point THREADSPACE_CHROMIUM at a Chromium or Chrome binary: THREADSPACE_CHROMIUM=/path/to/chrome npm test");
if (needed.includes("clang") || needed.includes("lld")) lines.push("  - clang and lld (wasm-ld) build the C example plugins and fixtures; other systems: install LLVM with the wasm32 target");
console.error(lines.join("\n"));
process.exit(1);
