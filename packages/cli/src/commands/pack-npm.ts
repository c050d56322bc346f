import { copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ThreadspaceError } from "@threadspace/errors";
import type { PluginManifest } from "@threadspace/manifest";
import type { CliIo } from "../io.ts";
import { displayPath, line } from "../output.ts";

/** The npm package name `pack --npm` gives a plugin: `threadspace-plugin-<name>` (the guide's setup.py name). */
export function npmPackageName(pluginName: string): string {
  return `threadspace-plugin-${pluginName.toLowerCase()}`;
}

/** The bundle's file name inside the npm package (package.json's `threadspace.bundle`). */
export const NPM_BUNDLE_FILE = "plugin.tsp";

/** License file names looked for in the plugin's folder, in this order. */
const LICENSE_FILES = ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "COPYING"];

/** What {@link writeNpmPackage} takes: the packed bundle and the plugin's parts. */
export interface NpmPackageInput {
  readonly dir: string;
  readonly manifest: PluginManifest;
  readonly manifestBytes: Uint8Array;
  readonly tsp: Uint8Array;
  readonly readme: Uint8Array | undefined;
  /** The signer's key id, when the bundle is signed. */
  readonly keyId: string | undefined;
}

async function licenseFile(dir: string): Promise<string | undefined> {
  const names = new Set(await readdir(dir));
  return LICENSE_FILES.find((name) => names.has(name));
}

function readmeFor(manifest: PluginManifest, packageName: string): string {
  return `# ${packageName}\n\n${manifest.description}\n\nA Threadspace plugin (${manifest.name} ${manifest.version}).\n\n\`\`\`sh\nnpm install ${packageName}\n\`\`\`\n\n\`\`\`js\nimport { createEngine } from "@threadspace/core";\nconst engine = await createEngine();\nawait engine.install("${packageName}"); // Node: resolves the installed package's ${NPM_BUNDLE_FILE}\n\`\`\`\n`;
}

/**
 * `threadspace pack --npm`: writes a publishable npm package folder `threadspace-plugin-<name>`
 * into `outDir`: the signed (or unsigned) bundle as plugin.tsp (the wasm and signature.json travel
 * inside it, so installing the package verifies them exactly as any .tsp), plugin.json and
 * README.md beside it to read, the plugin's LICENSE, and a package.json whose `threadspace` field
 * names the bundle (`engine.install("threadspace-plugin-<name>")` resolves it in Node).
 * Returns the folder.
 */
export async function writeNpmPackage(io: CliIo, input: NpmPackageInput, outDir: string): Promise<string> {
  const { manifest } = input;
  const packageName = npmPackageName(manifest.name);
  const target = resolve(io.cwd, outDir, packageName);
  const existing = await readdir(target).catch(() => []);
  const foreign = existing.filter((name) => !["package.json", NPM_BUNDLE_FILE, "plugin.json", "README.md", ...LICENSE_FILES].includes(name));
  if (foreign.length > 0) {
    throw new ThreadspaceError("source_invalid", `${displayPath(io, target)} holds files pack --npm did not write (${foreign.slice(0, 3).join(", ")}); pick another --out-dir, or empty it.`, { plugin: manifest.name });
  }
  await mkdir(target, { recursive: true });
  const license = await licenseFile(input.dir);
  const files = ["package.json", NPM_BUNDLE_FILE, "plugin.json", "README.md", ...(license === undefined ? [] : [license])];
  const pkg = {
    name: packageName,
    version: manifest.version,
    description: manifest.description,
    ...(manifest.author === "" ? {} : { author: manifest.author }),
    license: license === undefined ? "UNLICENSED" : `SEE LICENSE IN ${license}`,
    keywords: ["threadspace", "threadspace-plugin", ...manifest.capabilities],
    type: "module",
    files: files.filter((name) => name !== "package.json"),
    exports: { [`./${NPM_BUNDLE_FILE}`]: `./${NPM_BUNDLE_FILE}`, "./plugin.json": "./plugin.json", "./package.json": "./package.json" },
    threadspace: {
      bundle: NPM_BUNDLE_FILE,
      name: manifest.name,
      version: manifest.version,
      ...(manifest.engine === undefined ? {} : { engine: manifest.engine }),
      ...(manifest.hash === undefined ? {} : { hash: manifest.hash }),
      signedBy: input.keyId ?? null,
    },
  };
  await writeFile(join(target, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(join(target, NPM_BUNDLE_FILE), input.tsp);
  await writeFile(join(target, "plugin.json"), input.manifestBytes);
  await writeFile(join(target, "README.md"), input.readme ?? readmeFor(manifest, packageName));
  if (license !== undefined) await copyFile(join(input.dir, license), join(target, license));
  const shown = displayPath(io, target);
  io.stderr(`✓ wrote the npm package ${packageName}@${manifest.version} to ${shown}: ${files.join(", ")}\n`);
  if (license === undefined) io.stderr(`  no LICENSE in ${displayPath(io, input.dir)}: the package says "UNLICENSED" (add a LICENSE file and pack again to publish it under a license)\n`);
  line(io, shown);
  io.stderr(`  Publish: npm publish ${shown}    Use: npm install ${packageName}; engine.install("${packageName}")\n`);
  return target;
}
