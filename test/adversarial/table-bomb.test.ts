import { nodeEnv } from "../node/node-env.ts";
import { tableBombCases } from "./table-bomb.cases.ts";

tableBombCases(nodeEnv);
