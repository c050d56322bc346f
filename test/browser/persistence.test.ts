import { deleteDB } from "idb";
import { indexedDbStorage } from "@threadspace/storage";
import { persistenceContract } from "../contract/persistence.contract.ts";
import { browserEnv } from "./browser-env.ts";

let counter = 0;

/** The persistence contract on IndexedDB in Chromium: every "restart" opens a new connection to the same database. */
persistenceContract(browserEnv, "indexeddb", () => {
  const name = `threadspace-persistence-${Date.now()}-${counter++}`;
  return { open: () => indexedDbStorage({ name }), destroy: () => deleteDB(name) };
});
