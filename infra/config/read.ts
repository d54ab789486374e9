import * as pulumi from "@pulumi/pulumi";
import { type StackConfig, parseStackConfig } from "./load";

/** Reads and validates the running stack's config, once, before any resource is created. */
export function readStackConfig(): StackConfig {
  return parseStackConfig(pulumi.runtime.allConfig(), { project: pulumi.getProject(), stack: pulumi.getStack() });
}
