/**
 * The playground's engine, in a Web Worker: `@threadspace/core` on IndexedDB, exposed to the page
 * with `@threadspace/worker`'s `exposeEngine`, so the page never waits on a plugin. It trusts the
 * keys the page keeps in the playground's database (read before the engine starts) and still
 * installs unsigned plugins (`requireSignature: false`), so a signed `.tsp` shows `trusted`. It
 * records every call and keeps the traces of failed ones (`record: "errors"`) for the Traces tab.
 */
import { indexedDbStorage } from "@threadspace/storage";
import { exposeEngine } from "@threadspace/worker";
import { trustedKeys } from "../store/trusted-keys.ts";
import { ENGINE_DB } from "./engine-db.ts";

void exposeEngine(
  trustedKeys.list().then((keys) => ({
    storage: indexedDbStorage({ name: ENGINE_DB }),
    logLevel: "info" as const,
    trustedKeys: keys.map((key) => key.base64),
    requireSignature: false,
    // Every call is recorded and the traces of failed ones kept (the Traces tab lists them).
    record: "errors" as const,
  })),
);
