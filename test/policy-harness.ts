// The adapter lives with the CLI (`plan --policy` runs it too); the tests import it from here.
export { type Violation, mandatory, runPolicies } from "../cli/policy/adapter";
