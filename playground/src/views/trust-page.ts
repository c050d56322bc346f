/**
 * Trust: the public keys the playground's engine trusts. A key pasted (the base64 line
 * `threadspace keygen` prints, or a JWK) or imported from a file is kept in IndexedDB; the
 * engine reads the keys when it starts, so adding or removing one restarts it (a reload), and
 * every plugin installed from a `.tsp` is checked again: signed by a trusted key, it shows `trusted`.
 */
import type { App } from "../app.ts";
import { h, replace } from "../dom.ts";
import { setFlash } from "../flash.ts";
import { parsePublicKey, trustedKeys, type TrustedKey } from "../store/trusted-keys.ts";
import { section } from "../widgets/section.ts";
import type { Page } from "./page.ts";
import { signatureText } from "./plugin/facts.ts";

/** Restarts the engine with the keys now stored: a reload (the worker reads them at start). */
function restartWith(message: string): string {
  setFlash(message);
  location.reload();
  return `${message} Restarting the engine…`;
}

export function trustPage(app: App): Page {
  const keys = h("ul", { id: "trusted-keys" });
  const signed = h("ul", { id: "signed-plugins" });
  const pasted = h("textarea", { id: "key-text", rows: 2, spellcheck: "false", placeholder: "base64 of the 32-byte Ed25519 public key, or a JWK" });
  const label = h("input", { id: "key-label", placeholder: "whose key (optional)" });
  const file = h("input", { type: "file", id: "key-file", accept: ".pub,.txt,.json,.jwk" });

  const keyItem = (key: TrustedKey): HTMLElement =>
    h(
      "li",
      { "data-key": key.id },
      h("code", {}, key.id),
      ` ${key.label === key.id ? "" : key.label} `,
      h("span", { class: "version" }, `added ${new Date(key.addedAt).toLocaleString()}`),
      " ",
      h("button", { type: "button", class: "danger", "aria-label": `Stop trusting ${key.id}`, onclick: () => void app.run(`Removing key ${key.id}`, async () => (await trustedKeys.remove(key.id), restartWith(`Key ${key.id} is no longer trusted.`))) }, "Remove"),
    );
  const form = h(
    "form",
    { id: "key-form", "aria-label": "Trust a public key" },
    h("p", {}, h("label", { for: "key-text" }, "Public key"), pasted),
    h("p", {}, h("label", { for: "key-file" }, "Or import it from a file"), " ", file),
    h("p", {}, h("label", { for: "key-label" }, "Label"), " ", label),
    h("p", {}, h("button", { type: "submit", id: "key-add" }, "Trust this key"), " The engine restarts to apply it (your plugins and data stay)."),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void app.run("Trusting a public key", async () => {
      const picked = file.files?.[0];
      const text = picked === undefined ? pasted.value : await picked.text();
      const key = await parsePublicKey(text, label.value);
      await trustedKeys.add(key);
      return restartWith(`Key ${key.id} is trusted: bundles it signed show as trusted.`);
    });
  });

  const update = (): void => {
    void trustedKeys.list().then((stored) => replace(keys, ...(stored.length === 0 ? [h("li", { class: "empty" }, "No key is trusted: a signed .tsp installs as valid, untrusted. Paste its author's public key below.")] : stored.map(keyItem))));
    const fromTsp = app.snapshot.plugins.filter((info) => info.signature !== undefined);
    replace(signed, ...(fromTsp.length === 0 ? [h("li", { class: "empty" }, "No plugin was installed from a .tsp.")] : fromTsp.map((info) => h("li", { "data-plugin": info.name }, h("strong", {}, info.name), " ", h("span", { class: `signature ${info.signature?.state ?? "none"}` }, signatureText(info.signature))))));
  };
  update();
  const element = h(
    "section",
    { class: "trust-page", "aria-labelledby": "trust-title" },
    h("h2", { id: "trust-title" }, "Trust"),
    h("p", {}, "A .tsp may carry an Ed25519 signature. The engine checks it at install and at every start against the keys trusted here. Unsigned and untrusted bundles still install (this playground does not require signatures)."),
    section("trust-keys", "Trusted keys", keys, form),
    section("trust-signed", "Plugins from a .tsp", signed),
  );
  return { element, update };
}
