/**
 * "The browser killed right after a call returned" (issue 4, item 6): an engine in a Chromium
 * page on `indexedDbStorage` (durability "strict") makes a plugin call that writes a kv entry;
 * as soon as the call resolved, every Chromium process of the profile is SIGKILLed; the browser
 * is relaunched on the same profile and a new engine must restore every entry whose call had
 * resolved. Repeated ROUNDS times (default 10).
 *
 * Run: npx tsx --conditions=source test/crash/idb-engine-kill.ts   (needs `npm run build:fixtures` for host-kv.wasm)
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { launchChromiumProfile } from "../support/launch-chromium.ts";

const ROUNDS = Number(process.env["ROUNDS"] ?? 10);
const bundle = await build({ entryPoints: [fileURLToPath(new URL("./idb-engine-kill-page.ts", import.meta.url))], bundle: true, format: "esm", write: false, platform: "browser", conditions: ["source"] });
const files: Record<string, [string, string | Buffer]> = {
  "/page.js": ["text/javascript", bundle.outputFiles[0]?.text ?? ""],
  "/host-kv.wasm": ["application/wasm", readFileSync(fileURLToPath(new URL("../fixtures/build/host-kv.wasm", import.meta.url)))],
  "/host-kv.json": ["application/json", readFileSync(fileURLToPath(new URL("../fixtures/wat/host-kv.json", import.meta.url)))],
};
const server = createServer((request, response) => {
  const [type, body] = files[request.url ?? ""] ?? ["text/html", '<!doctype html><script type="module" src="/page.js"></script>'];
  response.writeHead(200, { "content-type": type });
  response.end(body);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/`;
const profile = await mkdtemp(join(tmpdir(), "threadspace-idb-engine-kill-"));
const name = "engine";

/** PIDs of the Chromium processes on our own profile directory (never any other browser). */
const ourPids = (): number[] => {
  try {
    return execFileSync("pgrep", ["-f", `user-data-dir=${profile}`], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

const launch = async () => {
  const context = await launchChromiumProfile(profile);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  await page.waitForFunction(() => window.ready === true);
  return { context, page };
};

const written: string[] = [];
let failures = 0;
const started = Date.now();
try {
  for (let round = 0; round <= ROUNDS; round++) {
    const { context, page } = await launch();
    const { keys, restoreErrors } = await page.evaluate((db) => window.start(db), name);
    const missing = written.filter((key) => !keys.includes(key));
    if (missing.length > 0 || restoreErrors > 0) {
      failures++;
      console.error(`round ${round}: after the kill, missing ${missing.join(", ") || "nothing"}; ${restoreErrors} restore errors`);
    }
    if (round === ROUNDS) {
      await context.close();
      break;
    }
    const key = `k${round}`;
    const reply = await page.evaluate(([k, v]) => window.write(k as string, v as number), [key, round] as const);
    if (JSON.stringify(reply) !== '{"ok":true}') throw new Error(`write ${key}: ${JSON.stringify(reply)}`);
    written.push(key); // the call resolved: from here on it must survive
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
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`${ROUNDS} kills right after a call resolved, ${written.length} calls, ${failures} relaunches missing data (${seconds} s)`);
if (failures > 0) process.exit(1);
