// The adversarial cases that apply in Chromium, on the same fixtures as in Node (see test/adversarial/*.cases.ts).
import { browserEnv } from "../../browser/browser-env.ts";
import { configSchemaCases } from "../config-schema.cases.ts";
import { grantsCases } from "../grants.cases.ts";
import { hostCallsCases } from "../host-calls.cases.ts";
import { hostMemoryCases } from "../host-memory.cases.ts";
import { hostRequestCases } from "../host-requests.cases.ts";
import { permissionsCases } from "../permissions.cases.ts";
import { quotaCases } from "../quota.cases.ts";

hostMemoryCases(browserEnv);
hostCallsCases(browserEnv);
hostRequestCases(browserEnv);
permissionsCases(browserEnv);
grantsCases(browserEnv);
quotaCases(browserEnv);
configSchemaCases(browserEnv);
