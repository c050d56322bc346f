/** Small pieces the plugin tabs share: a definition list, the signature line. */
import type { PluginInfo } from "@threadspace/core";
import { h } from "../../dom.ts";

/** A `<dt>`/`<dd>` pair. */
export function fact(term: string, value: string | Node): HTMLElement[] {
  return [h("dt", {}, term), h("dd", {}, value)];
}

export const list = (items: readonly string[]): string => (items.length === 0 ? "none" : items.join(", "));

/** The signature the engine checked at install, and again when it restored the plugin (only a .tsp carries one). */
export function signatureText(signature: PluginInfo["signature"]): string {
  if (signature === undefined) return "none checked (not installed from a .tsp)";
  if (signature.state === "unsigned") return "unsigned .tsp";
  return `${signature.state === "trusted" ? "trusted" : "valid, untrusted"} (${signature.keyId})`;
}
