import { nodeEnv } from "../node/node-env.ts";
import { quotaCases } from "./quota.cases.ts";

quotaCases(nodeEnv);
