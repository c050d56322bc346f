/**
 * Bundles contract-entry.ts into one ES module that Deno and Bun run as it is: the engine and the
 * suites from source (the `source` condition, then `node`, which is what the packages' `deno` and
 * `bun` conditions pick too), `vitest` mapped to test/support/vitest-shim.ts. @extism/extism stays
 * an import, so that each runtime loads its own build of it from node_modules (Bun has one). Every
 * module keeps its own `import.meta.url` (the bridge worker's entry, the fixtures' folder are found
 * from it), as when the sources run unbundled.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Where the bundle is written: inside node_modules, so its @extism/extism import resolves as a package's would. */
export const CONTRACT_BUNDLE = `${root}node_modules/.cache/threadspace-runtimes/contract.mjs`;

/** Replaces `import.meta.url` in the repository's TypeScript with the file's own URL. */
const ownImportMetaUrl: Plugin = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      const source = await readFile(args.path, "utf8");
      return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
    });
  },
};

/** Writes CONTRACT_BUNDLE and returns its path. */
export async function buildContractBundle(): Promise<string> {
  await build({
    entryPoints: [`${root}test/runtimes/contract-entry.ts`],
    outfile: CONTRACT_BUNDLE,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    conditions: ["source", "node"],
    external: ["@extism/extism"],
    alias: { vitest: `${root}test/support/vitest-shim.ts` },
    plugins: [ownImportMetaUrl],
    // Bundled CommonJS (chai's dependencies) calls require(): give the module one.
    banner: { js: `import { createRequire as __threadspaceRequire } from "node:module"; const require = __threadspaceRequire(import.meta.url);` },
    logLevel: "warning",
  });
  return CONTRACT_BUNDLE;
}

// `npx tsx test/runtimes/build-contract.ts` writes the bundle and prints its path (to run cases by hand).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await buildContractBundle());
