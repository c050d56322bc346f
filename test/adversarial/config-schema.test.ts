import { nodeEnv } from "../node/node-env.ts";
import { configSchemaCases } from "./config-schema.cases.ts";

configSchemaCases(nodeEnv);
