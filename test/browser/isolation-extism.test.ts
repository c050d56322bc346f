import { isolationContract } from "../contract/isolation.contract.ts";
import { browserEnv } from "./browser-env.ts";

// The engine's default worker transport is the shared-memory bridge (engine.test.ts runs the
// contract with it); this runs the same cases over Extism's runInWorker, the fallback where
// Atomics.waitAsync is missing.
isolationContract(browserEnv, "extism");
