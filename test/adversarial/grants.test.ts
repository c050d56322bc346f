import { nodeEnv } from "../node/node-env.ts";
import { grantsCases } from "./grants.cases.ts";

grantsCases(nodeEnv);
