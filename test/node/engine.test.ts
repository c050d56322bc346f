import { engineContract } from "../contract/engine.contract.ts";
import { nodeEnv } from "./node-env.ts";

engineContract(nodeEnv);
