import { nodeEnv } from "../node/node-env.ts";
import { embedderInputCases } from "./embedder-input.cases.ts";

embedderInputCases(nodeEnv);
