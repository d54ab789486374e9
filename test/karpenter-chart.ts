import { type KindSchema, STRING, STRING_MAP, type Schema, kindSchema } from "./crd-schema";

export type { KindSchema };

/*
 * What the tests check Karpenter's chart values and custom resources against. These are OUR
 * transcription, made by reading charts/karpenter/values.yaml and pkg/apis/crds/ of the pinned
 * release (aws/karpenter-provider-aws tag v1.14.1, commit bde00654; KARPENTER_SOURCE), not
 * upstream's files: the keys, types, required keys, enums, patterns and bounds of what we set,
 * nothing more.
 *
 * Where the edge is:
 * - A value key or a field we do not set is not transcribed, so setting one fails here ("not in
 *   the chart's values" / "not in the schema") until it is read at the tag and added; the chart and
 *   the API server would accept it.
 * - The CRDs' CEL rules (x-kubernetes-validations) and defaults are not transcribed: the API server
 *   applies them on a real cluster. Where the CRD puts a pattern on a list of strings, it is put on
 *   the items here (the check it stands for).
 * - A newer release can differ: bump these with the chart (KARPENTER_CHART), read again at its tag.
 */

/** A value key: a scalar, list or object the chart passes through whole (`value`), a free-form map that takes any key (`map`), or a section with its own keys. */
export type ValueKeys = { readonly [key: string]: "value" | "map" | ValueKeys };

/**
 * The chart's value keys in the sections our release sets (every key of those sections, so a
 * misspelt one is caught), from values.yaml at v1.14.1.
 */
export const KARPENTER_CHART_VALUE_KEYS: ValueKeys = {
  replicas: "value",
  serviceAccount: { create: "value", name: "value", annotations: "map" },
  controller: {
    containerName: "value",
    image: { repository: "value", tag: "value", digest: "value" },
    env: "value",
    envFrom: "value",
    securityContext: { appArmorProfile: "value", seLinuxOptions: "value", seccompProfile: "value" },
    resources: "map",
    extraVolumeMounts: "value",
    sidecarContainer: "value",
    sidecarVolumeMounts: "value",
    metrics: { port: "value" },
    healthProbe: { port: "value" },
  },
  settings: {
    batchMaxDuration: "value",
    batchIdleDuration: "value",
    preferencePolicy: "value",
    minValuesPolicy: "value",
    clusterCABundle: "value",
    clusterName: "value",
    clusterEndpoint: "value",
    isolatedVPC: "value",
    eksControlPlane: "value",
    vmMemoryOverheadPercent: "value",
    interruptionQueue: "value",
    enableZonalShift: "value",
    reservedENIs: "value",
    ignoreDRARequests: "value",
    disableClusterStateObservability: "value",
    disableDryRun: "value",
    amiRefreshInterval: "value",
    subnetRefreshInterval: "value",
    featureGates: { nodeRepair: "value", nodeOverlay: "value", reservedCapacity: "value", spotToSpotConsolidation: "value", staticCapacity: "value", capacityBuffer: "value" },
  },
};

/** Paths in `values` that the chart does not have. */
export function unknownValueKeys(values: Readonly<Record<string, unknown>>, keys: ValueKeys = KARPENTER_CHART_VALUE_KEYS, prefix = ""): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const known = keys[key];
    if (known === undefined) return [`${prefix}${key}`];
    if (typeof known === "object" && value !== null && typeof value === "object" && !Array.isArray(value)) return unknownValueKeys(value as Record<string, unknown>, known, `${prefix}${key}.`);
    return [];
  });
}

// Kubernetes name grammars, as the CRDs' patterns spell them: a DNS label, a qualified name's
// optional DNS-subdomain prefix and its name part, a label value, a quantity.
const DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const NAME_PART = "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
const QUALIFIED_NAME = `^(${DNS_LABEL}(\\.${DNS_LABEL})*(\\/))?${NAME_PART}$`;
const LABEL_VALUE = `^(${NAME_PART})?$`;
const SIGN = "(\\+|-)?";
const DECIMAL = "(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))";
const QUANTITY = `^${SIGN}${DECIMAL}([KMGTPE]i|[numkMGTPE]|[eE]${SIGN}${DECIMAL})?$`;
/** A Go duration in s, m and h, or `Never` where the field allows it. */
const DURATION_OR_NEVER = "^(([0-9]+(s|m|h))+|Never)$";

const string = STRING;
const stringMap = STRING_MAP;
/** Selector terms select by tags (at most 20) or by id. */
const selectorTerms = (idPattern: string, extra: Record<string, Schema> = {}): Schema => ({
  type: "array",
  maxItems: 30,
  items: { type: "object", properties: { id: { type: "string", pattern: idPattern }, tags: stringMap, ...extra } },
});

/** karpenter.sh/v1 NodePool: the fields our pools set. */
export const NODEPOOL: KindSchema = {
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  schema: kindSchema({
    type: "object",
    required: ["template"],
    properties: {
      template: {
        type: "object",
        required: ["spec"],
        properties: {
          metadata: { type: "object", properties: { labels: { type: "object", additionalProperties: { type: "string", maxLength: 63, pattern: LABEL_VALUE } } } },
          spec: {
            type: "object",
            required: ["nodeClassRef", "requirements"],
            properties: {
              nodeClassRef: { type: "object", required: ["group", "kind", "name"], properties: { group: { type: "string", pattern: "^[^/]*$" }, kind: string, name: string } },
              requirements: {
                type: "array",
                maxItems: 100,
                items: {
                  type: "object",
                  required: ["key", "operator"],
                  properties: {
                    key: { type: "string", maxLength: 316, pattern: QUALIFIED_NAME },
                    operator: { type: "string", enum: ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte"] },
                    values: { type: "array", items: { type: "string", maxLength: 63, pattern: LABEL_VALUE } },
                    minValues: { type: "integer", minimum: 1, maximum: 50 },
                  },
                },
              },
              taints: {
                type: "array",
                items: {
                  type: "object",
                  required: ["key", "effect"],
                  properties: {
                    key: { type: "string", minLength: 1, pattern: QUALIFIED_NAME },
                    value: { type: "string", pattern: QUALIFIED_NAME },
                    effect: { type: "string", enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"] },
                  },
                },
              },
              expireAfter: { type: "string", pattern: DURATION_OR_NEVER },
            },
          },
        },
      },
      disruption: {
        type: "object",
        required: ["consolidateAfter"],
        properties: {
          consolidationPolicy: { type: "string", enum: ["Balanced", "WhenEmptyOrUnderutilized", "WhenEmpty"] },
          consolidateAfter: { type: "string", pattern: DURATION_OR_NEVER },
          // A count of nodes, or a percentage up to 100.
          budgets: { type: "array", maxItems: 50, items: { type: "object", required: ["nodes"], properties: { nodes: { type: "string", pattern: "^([0-9]+|(100|[0-9]{1,2})%)$" } } } },
        },
      },
      limits: { type: "object", additionalProperties: { "x-kubernetes-int-or-string": true, pattern: QUANTITY } },
    },
  }),
};

/** karpenter.k8s.aws/v1 EC2NodeClass: the fields our node classes set. */
export const EC2NODECLASS: KindSchema = {
  apiVersion: "karpenter.k8s.aws/v1",
  kind: "EC2NodeClass",
  schema: kindSchema({
    type: "object",
    required: ["amiSelectorTerms", "securityGroupSelectorTerms", "subnetSelectorTerms"],
    properties: {
      role: string,
      amiSelectorTerms: {
        type: "array",
        minItems: 1,
        maxItems: 30,
        items: { type: "object", properties: { alias: { type: "string", maxLength: 30 }, id: { type: "string", pattern: "ami-[0-9a-z]+" }, name: string, owner: string, ssmParameter: string, tags: stringMap } },
      },
      subnetSelectorTerms: selectorTerms("subnet-[0-9a-z]+"),
      securityGroupSelectorTerms: selectorTerms("sg-[0-9a-z]+", { name: string }),
      metadataOptions: {
        type: "object",
        properties: {
          httpEndpoint: { type: "string", enum: ["enabled", "disabled"] },
          httpProtocolIPv6: { type: "string", enum: ["enabled", "disabled"] },
          httpPutResponseHopLimit: { type: "integer", minimum: 1, maximum: 64 },
          httpTokens: { type: "string", enum: ["required", "optional"] },
        },
      },
      blockDeviceMappings: {
        type: "array",
        maxItems: 50,
        items: {
          type: "object",
          properties: {
            deviceName: string,
            rootVolume: { type: "boolean" },
            ebs: {
              type: "object",
              properties: {
                // A size in Gi, G, Ti or T. (The CRD's pattern also caps it near 64 TB; not transcribed.)
                volumeSize: { type: "string", pattern: "^[1-9][0-9]*(Gi|G|Ti|T)$" },
                volumeType: { type: "string", enum: ["standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"] },
                encrypted: { type: "boolean" },
                deleteOnTermination: { type: "boolean" },
                kmsKeyID: string,
                iops: { type: "integer" },
                throughput: { type: "integer" },
              },
            },
          },
        },
      },
      userData: string,
      tags: stringMap,
    },
  }),
};
