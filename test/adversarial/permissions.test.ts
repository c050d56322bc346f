import { nodeEnv } from "../node/node-env.ts";
import { permissionsCases } from "./permissions.cases.ts";

permissionsCases(nodeEnv);
