#!/usr/bin/env node
// Makes sure the browser tests have a Chromium: THREADSPACE_CHROMIUM, else /usr/bin/chromium,
// else (as root with apt) Debian's `chromium` package is installed. Otherwise stops with a clear message.
import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

const wanted = process.env.THREADSPACE_CHROMIUM ?? "/usr/bin/chromium";

function usable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasApt() {
  try {
    execFileSync("apt-get", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

if (usable(wanted)) process.exit(0);

if (process.env.THREADSPACE_CHROMIUM) {
  console.error(`[threadspace] THREADSPACE_CHROMIUM points at ${wanted}, which is not an executable file. Fix the variable or unset it to use /usr/bin/chromium.`);
  process.exit(1);
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && hasApt()) {
  console.log("[threadspace] No Chromium at /usr/bin/chromium; installing Debian's chromium package for the browser tests (apt-get)...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  if (usable(wanted)) process.exit(0);
}

console.error(
  [
    "[threadspace] The browser tests need Chromium and none was found at /usr/bin/chromium.",
    "  - On Debian/Ubuntu as root: apt-get update && apt-get install -y chromium",
    "  - Or point THREADSPACE_CHROMIUM at a Chromium or Chrome binary: THREADSPACE_CHROMIUM=/path/to/chrome npm test",
    "  - Or run only the Node suites: npm run test:node",
  ].join("\n"),
);
process.exit(1);
