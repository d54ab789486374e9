import { type KindSchema, STRING, STRING_MAP, type Schema, kindSchema } from "./crd-schema";

export type { KindSchema };

/*
 * Structural schemas of the agent-sandbox v1beta1 kinds SandboxHost and its claimants write,
 * in the form test/crd-schema.ts validates. They are OUR transcription, made by reading the
 * CRDs of the pinned release (v0.5.6, k8s/crds/ at the tag; release.ts), not upstream's files:
 * the types, required keys, enums and bounds of the fields we set, nothing more.
 *
 * Where the edge is:
 * - A field we do not set is not transcribed, so setting one fails here ("not in the schema")
 *   until it is transcribed from the CRD too; the API server itself would accept it.
 * - `podTemplate.spec` is a core PodSpec in the CRD; here it is left open and checked against the
 *   Kubernetes PodSpec model instead (kubernetes-models, test/kubernetes-schema.ts), which names
 *   the same fields and types. That model allows unknown fields; in our code a misspelt field is
 *   a type error (the Pulumi PodSpec input type).
 * - On a cluster the API server validates against the CRDs the admin applied (crds.ts), defaults
 *   what they default, and prunes what they do not name. A newer release's CRDs can differ: bump
 *   these with the version.
 */

const string = STRING;
const stringMap = STRING_MAP;
/** An object naming another in the same namespace (`sandboxTemplateRef`, `warmPoolRef`). */
const localRef: Schema = { type: "object", required: ["name"], properties: { name: string } };
/** `format: int32`, as the CRDs declare counts: the API server rejects what does not fit. */
const int32 = (minimum: number): Schema => ({ type: "integer", minimum, maximum: 2_147_483_647 });

/** extensions.agents.x-k8s.io/v1beta1 SandboxTemplate: the pod of every Sandbox made from it. */
export const SANDBOX_TEMPLATE: KindSchema = {
  apiVersion: "extensions.agents.x-k8s.io/v1beta1",
  kind: "SandboxTemplate",
  schema: kindSchema({
    type: "object",
    required: ["podTemplate"],
    properties: {
      podTemplate: {
        type: "object",
        required: ["spec"],
        properties: {
          metadata: { type: "object", properties: { labels: stringMap, annotations: stringMap } },
          // A PodSpec: podSpecProblems (test/kubernetes-schema.ts).
          spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
      service: { type: "boolean" },
      networkPolicyManagement: { type: "string", enum: ["Managed", "Unmanaged"] },
      envVarsInjectionPolicy: { type: "string", enum: ["Allowed", "Overrides", "Disallowed"] },
      volumeClaimTemplatesPolicy: { type: "string", enum: ["Disallowed", "Allowed", "Overrides"] },
    },
  }),
};

/** extensions.agents.x-k8s.io/v1beta1 SandboxWarmPool: ready Sandboxes of a template, waiting for claims. */
export const SANDBOX_WARM_POOL: KindSchema = {
  apiVersion: "extensions.agents.x-k8s.io/v1beta1",
  kind: "SandboxWarmPool",
  schema: kindSchema({
    type: "object",
    required: ["sandboxTemplateRef"],
    properties: {
      replicas: int32(0),
      sandboxTemplateRef: localRef,
      updateStrategy: { type: "object", properties: { type: { type: "string", enum: ["Recreate", "OnReplenish"] } } },
    },
  }),
};

/** extensions.agents.x-k8s.io/v1beta1 SandboxClaim, as an agent makes one: a Sandbox from the warm pool, for a session. */
export const SANDBOX_CLAIM: KindSchema = {
  apiVersion: "extensions.agents.x-k8s.io/v1beta1",
  kind: "SandboxClaim",
  schema: kindSchema({
    type: "object",
    required: ["warmPoolRef"],
    properties: {
      warmPoolRef: localRef,
      lifecycle: {
        type: "object",
        properties: {
          shutdownPolicy: { type: "string", enum: ["Delete", "DeleteForeground", "Retain"] },
          // `format: date-time` there; the format is the API server's to check.
          shutdownTime: string,
          ttlSecondsAfterFinished: int32(0),
        },
      },
    },
  }),
};
