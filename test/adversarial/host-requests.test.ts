import { nodeEnv } from "../node/node-env.ts";
import { hostRequestCases } from "./host-requests.cases.ts";

hostRequestCases(nodeEnv);
