import { describe } from "vitest";
import { idbErrorCases } from "./idb-errors.test-cases.ts";

describe("IndexedDB error mapping (Node's DOMException)", idbErrorCases);
