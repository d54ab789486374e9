// The policy pack entry for `pulumi preview --policy-pack policy`. Only this file builds the
// PolicyPack (constructing one starts a server); the policies themselves are in policies.ts.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("agentyard", { policies });
