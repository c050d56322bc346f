import { nodeEnv } from "../node/node-env.ts";
import { sharedMemoryDriver, tempFileDriver } from "../node/restartable-drivers.ts";
import { uninstallDataContract } from "./uninstall-data.contract.ts";

uninstallDataContract(nodeEnv, "no storage", undefined);

uninstallDataContract(nodeEnv, "memory driver", sharedMemoryDriver);

uninstallDataContract(nodeEnv, "file driver", () => tempFileDriver("threadspace-uninstall-data-"));
