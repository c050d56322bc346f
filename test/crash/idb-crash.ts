/**
 * Crash safety of the IndexedDB driver in real Chromium (issue 4, item 6): a page commits
 * batches (10 entries + a `last` marker) in a loop, 3 in flight; the browser is killed with
 * SIGKILL at a random moment, relaunched on the same profile, and the store is checked: every
 * batch is all-or-nothing, `last` names the newest batch, and every batch whose commit had
 * resolved before the kill is there. Repeated KILLS times (default 100).
 *
 * Run: npm run test:crash:idb   (KILLS=20 for a shorter run; KILL=browser kills only the browser
 * process instead of every process of the profile at once). Not part of `vitest run`: it takes a
 * relaunch per kill, and it does not pass yet: every store that opened was all-or-nothing with
 * every acknowledged batch in it, but about one kill in 25-40 leaves a store Chromium cannot open
 * ("UnknownError: Internal error opening backing store for indexedDB.open"), and once the
 * database was simply gone after the relaunch (Chromium dropping a damaged backing store).
 */
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright";
import { chromiumArgs, chromiumPath } from "../support/chromium.ts";

const KILLS = Number(process.env["KILLS"] ?? 100);
const bundle = await build({ entryPoints: [fileURLToPath(new URL("./idb-crash-page.ts", import.meta.url))], bundle: true, format: "esm", write: false, platform: "browser" });
const script = bundle.outputFiles[0]?.text ?? "";
const server = createServer((request, response) => {
  if (request.url === "/page.js") {
    response.writeHead(200, { "content-type": "text/javascript" });
    response.end(script);
  } else {
    response.writeHead(200, { "content-type": "text/html" });
    response.end('<!doctype html><script type="module" src="/page.js"></script>');
  }
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/`;
const profile = await mkdtemp(join(tmpdir(), "threadspace-idb-crash-"));
const name = "crash";

/** PIDs of the Chromium processes on our own profile directory (never any other browser). */
const ourPids = (): number[] => {
  try {
    const lines = execFileSync("pgrep", ["-a", "-f", `user-data-dir=${profile}`], { encoding: "utf8" }).split("\n").filter(Boolean);
    // KILL=browser: only the browser process (its children go with it); default: every process at once.
    const chosen = process.env["KILL"] === "browser" ? lines.filter((line) => !line.includes("--type=")) : lines;
    return chosen.map((line) => Number(line.split(" ")[0]));
  } catch {
    return [];
  }
};

const launch = async () => {
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs, headless: true });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  await page.waitForFunction(() => typeof window.check === "function");
  return { context, page };
};

let acked = -1;
let next = 0;
let failures = 0;
const started = Date.now();
try {
  for (let round = 0; round <= KILLS; round++) {
    const { context, page } = await launch();
    let result;
    try {
      result = await page.evaluate((db) => window.check(db), name);
    } catch (error) {
      failures++;
      console.error(`round ${round}: the store did not open after the kill: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      await context.close();
      break;
    }
    if (process.env["DEBUG_CRASH"]) console.log("after relaunch", round, acked, result);
    const problems: string[] = [];
    if (result.partial.length > 0) problems.push(`batches not all-or-nothing: ${result.partial.join(", ")}`);
    if (result.batches > 0 && result.last !== result.max) problems.push(`last is ${String(result.last)} but the newest batch is ${result.max}`);
    if (result.max < acked) problems.push(`batch ${acked} was acknowledged before the kill but the newest stored is ${result.max}${result.existed ? "" : " (the database was gone on relaunch)"}`);
    if (result.batches !== result.max + 1) problems.push(`${result.batches} batches stored for 0..${result.max}`);
    if (problems.length > 0) {
      failures++;
      console.error(`round ${round}: ${problems.join("; ")}`);
    }
    if (round === KILLS) {
      await context.close();
      console.log(`${KILLS} kills, ${result.batches} batches stored, ${failures} failed checks, ${((Date.now() - started) / 1000).toFixed(1)} s`);
      break;
    }
    next = result.max + 1;
    await page.exposeFunction("acked", (i: number) => void (acked = Math.max(acked, i)));
    await page.evaluate(([db, first]) => window.startWriting(db as string, first as number), [name, next] as const);
    await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 200));
    if (process.env["DEBUG_CRASH"] === "2") console.log("before kill", acked, await page.evaluate((db) => window.check(db), name));
    for (const pid of ourPids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await context.close().catch(() => undefined);
  }
} finally {
  server.close();
  await rm(profile, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`${failures} failed checks (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(1);
}
