import { persistenceContract } from "../contract/persistence.contract.ts";
import { nodeEnv } from "./node-env.ts";
import { sharedMemoryDriver, tempFileDriver } from "./restartable-drivers.ts";

persistenceContract(nodeEnv, "memory", sharedMemoryDriver);

persistenceContract(nodeEnv, "file", () => tempFileDriver("threadspace-persistence-"));
