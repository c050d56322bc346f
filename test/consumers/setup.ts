/** Global set-up of the consumer suite: pack and install once, hand the folder to every case. */
import type { TestProject } from "vitest/node";
import { prepareConsumerProject } from "./consumer-project.ts";

export default function setup(project: TestProject): void {
  project.provide("consumerProject", prepareConsumerProject());
}

declare module "vitest" {
  export interface ProvidedContext {
    consumerProject: string;
  }
}
