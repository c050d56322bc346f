import { sha256Hex } from "@threadspace/bundle";
import createPlugin from "@extism/extism";
import type { Platform } from "./platform.ts";
import { readResponse } from "./read-response.ts";

function pageBase(): string | undefined {
  const location = (globalThis as { location?: { href: string } }).location;
  return location?.href;
}

/** Browsers and workerd: sources are URLs, read with fetch. */
export const platform: Platform = {
  name: "web",
  async locateManifest(source) {
    if (source.startsWith("npm:")) {
      throw new Error(`"${source}": npm: specifiers resolve installed packages in Node only. Here, install the package's .tsp by URL (a bundler can give you one, e.g. Vite's "threadspace-plugin-x/plugin.tsp?url")`);
    }
    const url = new URL(source, pageBase());
    if (url.pathname.endsWith("/")) url.pathname += "plugin.json";
    return url;
  },
  sha256Hex,
  async readBytes(url, maxBytes) {
    if (url.protocol === "file:") throw new Error(`cannot read ${url.href}: file: URLs are readable only in Node`);
    return readResponse(await fetch(url), url, maxBytes);
  },
  async loadExtism() {
    return createPlugin;
  },
  cores: () => {
    const cores: unknown = globalThis.navigator?.hardwareConcurrency;
    return typeof cores === "number" && Number.isSafeInteger(cores) && cores >= 1 ? cores : 1;
  },
};
