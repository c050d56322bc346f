// @ts-check
/**
 * The Vitest config `threadspace test` runs a plugin's tests/*.test.ts with (passed as --config,
 * so a plugin folder needs no config of its own). Everything it needs comes in environment
 * variables set by vitest-suite.ts:
 * - THREADSPACE_TEST_ROOT: the plugin's folder (Vitest's root; tests run with it as cwd);
 * - THREADSPACE_TEST_ANCHOR: a file of the CLI; `vitest` and `@threadspace/*` imports that do not
 *   resolve from the plugin's folder resolve from there (a plugin folder with no node_modules of
 *   its own uses the packages installed with the CLI);
 * - THREADSPACE_TEST_SOURCE=1: inside the Threadspace repository, the packages' `source` condition.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = process.env.THREADSPACE_TEST_ROOT ?? process.cwd();
const anchor = process.env.THREADSPACE_TEST_ANCHOR;
const source = process.env.THREADSPACE_TEST_SOURCE === "1";
const FALLBACK = /^(vitest|@threadspace\/[^/]+)(\/.*)?$/;

/** @type {import("vite").Plugin} */
const besideTheCli = {
  name: "threadspace:packages-beside-the-cli",
  enforce: "pre",
  async resolveId(id, importer, options) {
    if (anchor === undefined || !FALLBACK.test(id)) return null;
    const own = await this.resolve(id, importer, { ...options, skipSelf: true });
    if (own !== null) return own;
    return this.resolve(id, anchor, { ...options, skipSelf: true });
  },
};

export default {
  root,
  // Vite's cache outside the plugin's folder (by default it would create node_modules/.vite there).
  cacheDir: join(tmpdir(), "threadspace-vitest-cache"),
  plugins: [besideTheCli],
  ...(source
    ? {
        resolve: { conditions: ["source", "module", "browser", "development|production"] },
        ssr: { resolve: { conditions: ["source", "module", "node", "development|production"] } },
      }
    : {}),
  test: {
    include: ["tests/**/*.test.ts", "tests/**/*.test.js", "tests/**/*.test.mjs"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
};
