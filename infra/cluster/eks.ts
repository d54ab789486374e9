import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as helm from "@pulumi/kubernetes/helm/v3";
import { Provider } from "@pulumi/kubernetes/provider";
import type { EnvironmentSettings } from "../config/schema";
import { serviceRole } from "../iam";
import { physicalName, standardTags } from "../naming";
import { type Transform, applyTransform } from "../transform";
import { type OidcIssuer, serviceAccountRole } from "./irsa";
import { loadBalancerControllerPolicy } from "./lb-controller-policy";

const COMPONENT = "cluster";
const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Chart versions, pinned: a range would change what `pulumi up` installs without a diff. */
export const CLUSTER_CHARTS = {
  loadBalancerController: { chart: "aws-load-balancer-controller", version: "1.13.4", repo: "https://aws.github.io/eks-charts" },
  metricsServer: { chart: "metrics-server", version: "3.13.0", repo: "https://kubernetes-sigs.github.io/metrics-server/" },
} as const;

export const GVISOR_NODE_LABEL = { "agentyard.dev/sandbox": "gvisor" } as const;
export const GVISOR_TAINT = { key: "agentyard.dev/sandbox", value: "gvisor", effect: "NO_SCHEDULE" } as const;

export interface EksClusterArgs {
  /** The preset's cluster section (version, nodes, endpoint CIDRs, admins). */
  settings: EnvironmentSettings["cluster"];
  vpcId: pulumi.Input<string>;
  /** Private subnets: the control plane's network interfaces and every node. */
  privateSubnetIds: pulumi.Input<string>[];
  logRetentionDays: number;
  /** A second node group, labelled and tainted, for sandboxes under gVisor. */
  gvisorNodeGroup?: boolean;
  transform?: { cluster?: Transform<eks.ClusterArgs>; nodeGroup?: Transform<eks.NodeGroupArgs> };
}

/**
 * EKS from `@pulumi/aws` resources (not `@pulumi/eks`, a remote component that is opaque under
 * mocks): a private control plane with KMS-encrypted Secrets, control-plane logs, STANDARD
 * support, IRSA, access entries, managed nodes, core add-ons with network policy enforcement,
 * the AWS Load Balancer Controller and metrics-server.
 */
export class EksCluster extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly oidc: OidcIssuer;
  readonly provider: Provider;
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  /** Nodes are Graviton: images must be built for linux/arm64. */
  readonly arm64: boolean;
  /** Where workloads wait for the controllers that make their TargetGroupBindings and metrics work. */
  readonly addons: pulumi.Resource[];

  constructor(name: string, args: EksClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("agentyard:infra:EksCluster", name, {}, opts);
    const child = { parent: this };
    const s = args.settings;
    const clusterName = physicalName("eksCluster", ["eks"]);
    this.arm64 = s.architecture === "arm64";

    const key = new kms.Key(`${name}-secrets-key`, { description: "EKS Secrets envelope encryption", enableKeyRotation: true, deletionWindowInDays: 30, tags: standardTags(COMPONENT) }, child);
    const { role, attachments } = serviceRole(this, `${name}-cluster-role`, {
      physical: "eks-cluster",
      service: "eks.amazonaws.com",
      component: COMPONENT,
      managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
    });
    const logGroup = new cloudwatch.LogGroup(`${name}-control-plane-logs`, { name: `/aws/eks/${clusterName}/cluster`, retentionInDays: args.logRetentionDays, tags: standardTags(COMPONENT) }, child);
    const publicEndpoint = s.publicEndpointCidrs.length > 0;
    const cluster = new eks.Cluster(
      ...applyTransform(
        args.transform?.cluster,
        `${name}-cluster`,
        {
          name: clusterName,
          version: s.version,
          roleArn: role.arn,
          // A cluster made through the API defaults to extended support: six times the price once its version ages.
          upgradePolicy: { supportType: "STANDARD" },
          vpcConfig: {
            subnetIds: args.privateSubnetIds,
            endpointPrivateAccess: true,
            endpointPublicAccess: publicEndpoint,
            publicAccessCidrs: publicEndpoint ? s.publicEndpointCidrs : undefined,
          },
          kubernetesNetworkConfig: { serviceIpv4Cidr: s.serviceCidr },
          encryptionConfig: { resources: ["secrets"], provider: { keyArn: key.arn } },
          enabledClusterLogTypes: [...LOG_TYPES],
          accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
          tags: standardTags(COMPONENT),
        },
        { parent: this, dependsOn: [logGroup, ...attachments] },
      ),
    );
    this.name = cluster.name;
    this.endpoint = cluster.endpoint;
    this.nodeSecurityGroupId = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId ?? "");

    const issuer = cluster.identities.apply((ids) => ids?.[0]?.oidcs?.[0]?.issuer ?? "");
    const oidcProvider = new iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags: standardTags(COMPONENT) }, child);
    this.oidc = { providerArn: oidcProvider.arn, issuerHost: issuer.apply((u) => u.replace(/^https:\/\//, "")) };

    s.adminRoleArns.forEach((principalArn, i) => {
      const entry = new eks.AccessEntry(`${name}-admin-${i + 1}`, { clusterName: cluster.name, principalArn, type: "STANDARD", tags: standardTags(COMPONENT) }, child);
      new eks.AccessPolicyAssociation(
        `${name}-admin-${i + 1}-policy`,
        { clusterName: cluster.name, principalArn, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } },
        { parent: this, dependsOn: [entry] },
      );
    });

    const nodes = serviceRole(this, `${name}-node-role`, {
      physical: "eks-node",
      service: "ec2.amazonaws.com",
      component: COMPONENT,
      managedPolicyArns: [
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      ],
    });
    const nodeGroup = (id: string, labels: Record<string, string>, taints: eks.NodeGroupArgs["taints"], scaling: { min: number; desired: number; max: number }) =>
      new eks.NodeGroup(
        ...applyTransform(
          args.transform?.nodeGroup,
          `${name}-${id}-nodes`,
          {
            clusterName: cluster.name,
            nodeGroupNamePrefix: `${id}-`,
            nodeRoleArn: nodes.role.arn,
            subnetIds: args.privateSubnetIds,
            instanceTypes: s.nodeInstanceTypes,
            capacityType: s.capacityType,
            amiType: s.architecture === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
            scalingConfig: { minSize: scaling.min, desiredSize: scaling.desired, maxSize: scaling.max },
            updateConfig: { maxUnavailablePercentage: 33 },
            labels,
            taints,
            tags: standardTags(COMPONENT),
          },
          // The autoscaler owns the desired size once the group exists.
          { parent: this, dependsOn: nodes.attachments, ignoreChanges: ["scalingConfig.desiredSize"] },
        ),
      );
    const general = nodeGroup("general", { "agentyard.dev/pool": "general" }, undefined, { min: s.minNodes, desired: s.desiredNodes, max: s.maxNodes });
    if (args.gvisorNodeGroup) nodeGroup("sandbox", { ...GVISOR_NODE_LABEL }, [GVISOR_TAINT], { min: 1, desired: 1, max: Math.max(2, s.maxNodes) });

    const cni = serviceAccountRole(this, `${name}-vpc-cni-role`, this.oidc, { namespace: "kube-system", name: "aws-node" }, COMPONENT, "eks-vpc-cni");
    new iam.RolePolicyAttachment(`${name}-vpc-cni-policy`, { role: cni.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" }, child);
    const ebs = serviceAccountRole(this, `${name}-ebs-csi-role`, this.oidc, { namespace: "kube-system", name: "ebs-csi-controller-sa" }, COMPONENT, "eks-ebs-csi");
    new iam.RolePolicyAttachment(`${name}-ebs-csi-policy`, { role: ebs.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" }, child);
    const addon = (addonName: string, extra: Partial<eks.AddonArgs> = {}) =>
      new eks.Addon(
        `${name}-addon-${addonName}`,
        { clusterName: cluster.name, addonName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "PRESERVE", tags: standardTags(COMPONENT), ...extra },
        { parent: this, dependsOn: [general] },
      );
    const addons: pulumi.Resource[] = [
      // Network policy enforcement in the CNI: the sandbox's default-deny policy means nothing without it.
      addon("vpc-cni", { serviceAccountRoleArn: cni.arn, configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) }),
      addon("coredns"),
      addon("kube-proxy"),
      addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebs.arn }),
    ];

    this.provider = new Provider(
      `${name}-provider`,
      {
        kubeconfig: pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority]).apply(([n, endpoint, ca]) =>
          JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: n, cluster: { server: endpoint, "certificate-authority-data": ca?.data ?? "" } }],
            contexts: [{ name: n, context: { cluster: n, user: n } }],
            "current-context": n,
            users: [{ name: n, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", n] } } }],
          }),
        ),
        enableServerSideApply: true,
      },
      { parent: this, dependsOn: addons },
    );

    const controllerRole = serviceAccountRole(this, `${name}-lb-controller-role`, this.oidc, { namespace: "kube-system", name: "aws-load-balancer-controller" }, COMPONENT, "eks-lb-controller");
    new iam.RolePolicy(`${name}-lb-controller-policy`, { role: controllerRole.name, policy: loadBalancerControllerPolicy() }, child);
    const k8s = { parent: this, provider: this.provider };
    const release = (id: string, chart: (typeof CLUSTER_CHARTS)[keyof typeof CLUSTER_CHARTS], values: Record<string, unknown> = {}) =>
      new helm.Release(
        `${name}-${id}`,
        { name: chart.chart, chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repo }, namespace: "kube-system", values, atomic: true },
        k8s,
      );
    const lbController = release("lb-controller", CLUSTER_CHARTS.loadBalancerController, {
      clusterName: cluster.name,
      vpcId: args.vpcId,
      replicaCount: 2,
      serviceAccount: { create: true, name: "aws-load-balancer-controller", annotations: { "eks.amazonaws.com/role-arn": controllerRole.arn } },
      // Ingresses are not how agentyard exposes services: TargetGroupBinding is.
      enableServiceMutatorWebhook: false,
    });
    const metricsServer = release("metrics-server", CLUSTER_CHARTS.metricsServer);
    this.addons = [lbController, metricsServer];
    this.registerOutputs({ name: this.name, endpoint: this.endpoint });
  }
}
