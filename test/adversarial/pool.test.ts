import { nodeEnv } from "../node/node-env.ts";
import { hostCallsCases } from "./host-calls.cases.ts";
import { hostMemoryCases } from "./host-memory.cases.ts";
import { tableBombCases } from "./table-bomb.cases.ts";

// Issue 16: the kernel's host-memory caps, the host-call bound and the table bomb, for a plugin
// in a pool worker (its neighbours share the worker, so a cap that failed there would hurt them).
hostMemoryCases(nodeEnv, ["pool"]);
hostCallsCases(nodeEnv, ["pool"]);
tableBombCases(nodeEnv, ["pool"]);
