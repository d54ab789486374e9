/**
 * On a custom resource whose CustomResourceDefinition the program does not create, because a
 * cluster admin applies it beforehand (agent-sandbox's: components/sandbox-host/agent-sandbox/crds.ts):
 * where that CRD comes from, a URL. The object then has nothing in the plan to wait for, and says
 * so; the deploy rule `custom-resources-after-their-crd` (cli/rules/ordering.ts) accepts it in
 * place of a dependency on a CRD or a Helm release.
 */
export const CRD_PREREQUISITE_ANNOTATION = "agentyard.dev/crd-prerequisite";
