// `npm run check:packages`: the release guards. Packs every published package (npm pack) and
// lints each tarball with publint (package.json against the files it ships) and, for the
// packages that ship JavaScript, @arethetypeswrong/cli (types resolve for ESM consumers under
// node16 and bundler resolution). Exits 1 on any error or warning. Needs `npm run build` first.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { PUBLISHED, ROOT, packAll } from "./lib/packages.mjs";

const destination = join(tmpdir(), `threadspace-check-packages-${process.pid}`);
let failed = 0;
try {
  const tarballs = packAll(destination);
  for (const { dir, js } of PUBLISHED) {
    const pkgDir = join(ROOT, "packages", dir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    const tarball = tarballs.get(pkg.name);
    if (tarball === undefined) throw new Error(`npm pack produced no tarball for ${pkg.name}`);
    const data = readFileSync(tarball);
    const { messages } = await publint({ level: "warning", strict: true, pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) } });
    const problems = messages.filter((m) => m.type !== "suggestion");
    for (const message of problems) console.log(`  publint ${pkg.name}: ${message.type}: ${formatMessage(message, pkg)}`);
    let attw = "not a JavaScript package";
    if (js) {
      try {
        execFileSync(process.execPath, [join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js"), tarball, "--profile", "esm-only", "--format", "ascii"], { stdio: "pipe", encoding: "utf8" });
        attw = "ok";
      } catch (error) {
        attw = "FAILED";
        console.log(String(/** @type {{ stdout?: string }} */ (error).stdout ?? error));
      }
    }
    const ok = problems.length === 0 && attw !== "FAILED";
    if (!ok) failed += 1;
    console.log(`${ok ? "ok  " : "FAIL"} ${pkg.name.padEnd(22)} publint ${problems.length === 0 ? "ok" : `${problems.length} problems`}, attw ${attw}`);
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
if (failed > 0) {
  console.log(`check:packages: ${failed} package(s) failed`);
  process.exitCode = 1;
}
