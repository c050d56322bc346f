import { nodeEnv } from "../node/node-env.ts";
import { hostMemoryCases } from "./host-memory.cases.ts";

hostMemoryCases(nodeEnv);
