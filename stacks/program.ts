import { readStackConfig } from "../infra/config/read";
import { definePlatform, type PlatformOutputs } from "./platform";

/** The Pulumi program: read and validate config once, then build. Shared by `index.ts`, `plan` and the tests. */
export function program(): PlatformOutputs {
  return definePlatform(readStackConfig());
}
