import { nodeEnv } from "../node/node-env.ts";
import { hostCallsCases } from "./host-calls.cases.ts";

hostCallsCases(nodeEnv);
