import { deleteDB } from "idb";
import { indexedDbStorage } from "@threadspace/storage";
import { browserEnv } from "../browser/browser-env.ts";
import { uninstallDataContract } from "./uninstall-data.contract.ts";

let counter = 0;

/** On IndexedDB in Chromium: each "restart" opens a new connection to the same database. */
uninstallDataContract(browserEnv, "indexeddb", () => {
  const name = `threadspace-uninstall-data-${Date.now()}-${counter++}`;
  return { open: () => indexedDbStorage({ name }), destroy: () => deleteDB(name) };
});
