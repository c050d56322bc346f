import { isolationContract } from "../contract/isolation.contract.ts";
import { nodeEnv } from "./node-env.ts";

// The engine's default worker transport is the shared-memory bridge (engine.test.ts runs the
// contract with it); this runs the same cases over Extism's runInWorker, the fallback.
isolationContract(nodeEnv, "extism");
