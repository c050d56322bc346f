import { engineContract } from "../contract/engine.contract.ts";
import { browserEnv } from "./browser-env.ts";

engineContract(browserEnv);
