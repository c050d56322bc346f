import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CreateExtismPlugin, Platform } from "./platform.ts";
import { loadWasiQuietly } from "./quiet-wasi.ts";
import { readResponse } from "./read-response.ts";

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

async function readFileCapped(path: string, maxBytes: number): Promise<Uint8Array> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    if (size > maxBytes) throw new Error(`${path} is ${size} bytes, more than the ${maxBytes} allowed`);
    const out = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await file.read(out, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return out.subarray(0, offset);
  } finally {
    await file.close();
  }
}

let extism: Promise<CreateExtismPlugin> | undefined;

/** @extism/extism, imported after node:wasi was loaded quietly (see quiet-wasi.ts). */
function loadExtism(): Promise<CreateExtismPlugin> {
  extism ??= (async () => {
    loadWasiQuietly();
    return (await import("@extism/extism")).default;
  })();
  return extism;
}

/** Node: strings are bundle directories or plugin.json paths (or URLs); file: URLs are read from disk. */
export const platform: Platform = {
  name: "node",
  async locateManifest(source) {
    if (URL_SCHEME.test(source)) return new URL(source);
    const path = resolve(source);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw new Error(`no such file or directory: ${path}`);
    return pathToFileURL(info.isDirectory() ? join(path, "plugin.json") : path);
  },
  async sha256Hex(bytes) {
    return createHash("sha256").update(bytes).digest("hex");
  },
  async readBytes(url, maxBytes) {
    if (url.protocol === "file:") return readFileCapped(fileURLToPath(url), maxBytes);
    return readResponse(await fetch(url), url, maxBytes);
  },
  loadExtism,
};
