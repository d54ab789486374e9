import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as ec2 from "@pulumi/aws/ec2";
import * as kms from "@pulumi/aws/kms";
import * as vpc from "@pulumi/aws/vpc";
import * as helm from "@pulumi/kubernetes/helm/v3";
import { Provider } from "@pulumi/kubernetes/provider";
import type { EnvironmentSettings } from "../config/schema";
import { serviceRole } from "../iam";
import { physicalName, standardTags } from "../naming";
import { type Transform, applyTransform } from "../transform";
import { GVISOR_RUNTIME_HANDLER, gvisorUserData } from "./gvisor-nodes";
import { type OidcIssuer, serviceAccountRole } from "./irsa";
import { type NodePoolSpec, karpenter } from "./karpenter";
import { loadBalancerControllerPolicy } from "./lb-controller-policy";
import { defaultStorageClass } from "./storage-class";

const COMPONENT = "cluster";
const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Chart versions, pinned: a range would change what `pulumi up` installs without a diff. */
export const CLUSTER_CHARTS = {
  // Chart 3.5.0 installs controller v3.5.0 (appVersion), the newest release (2026-08-03); its IAM policy is written from
  // that tag (lb-controller-policy.ts). Helm installs the chart's CRDs on first install only: on an upgrade, apply
  // helm/aws-load-balancer-controller/crds/crds.yaml of the new tag first (kubernetes-sigs/aws-load-balancer-controller#4555).
  loadBalancerController: { chart: "aws-load-balancer-controller", version: "3.5.0", repo: "https://aws.github.io/eks-charts" },
  // Chart 3.13.1 (2026-06-11) installs metrics-server 0.8.1, which supports Kubernetes 1.31 and later (the
  // compatibility matrix of kubernetes-sigs/metrics-server's README); its values.yaml is 3.13.0's, unchanged, and
  // we set none. Server 0.9.0 (2026-07-13) has no chart yet (docs/versions.md).
  metricsServer: { chart: "metrics-server", version: "3.13.1", repo: "https://kubernetes-sigs.github.io/metrics-server/" },
} as const;

export const GVISOR_NODE_LABEL = { "agentyard.dev/sandbox": "gvisor" } as const;
export const GVISOR_TAINT = { key: "agentyard.dev/sandbox", value: "gvisor", effect: "NO_SCHEDULE" } as const;
export { GVISOR_RUNTIME_HANDLER };

export interface EksClusterArgs {
  /** The preset's cluster section (version, nodes, endpoint CIDRs, admins). */
  settings: EnvironmentSettings["cluster"];
  vpcId: pulumi.Input<string>;
  /** Private subnets: the control plane's network interfaces and every node. */
  privateSubnetIds: pulumi.Input<string>[];
  logRetentionDays: number;
  /** The stack's region: `aws eks get-token` signs for it (the deployer's default region may differ). */
  region: string;
  /** A second node group, labelled and tainted, whose nodes install gVisor and register containerd's `runsc` handler. */
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
  /** The default StorageClass (encrypted gp3): claims name it explicitly. */
  readonly storageClassName: pulumi.Output<string>;
  /** Karpenter's NodePools and their limits (infra/cluster/karpenter.ts). */
  readonly nodePools: readonly NodePoolSpec[];
  /** The general node group: what add-ons that run Deployments (and so need a node) wait for. */
  readonly generalNodes: pulumi.Resource;

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
    const { publicCidrs = [], privateCidrs = [] } = s.endpointAccess;
    const publicEndpoint = publicCidrs.length > 0;
    const cluster = new eks.Cluster(
      ...applyTransform(
        args.transform?.cluster,
        `${name}-cluster`,
        {
          name: clusterName,
          version: s.version,
          roleArn: role.arn,
          // A cluster made through the API defaults to extended support: six times the price once its version ages.
          // EXTENDED only when chosen (cluster.supportType); the config refuses a version out of standard support otherwise.
          upgradePolicy: { supportType: s.supportType },
          // The deployer reaches the API from cluster.endpointAccess: public CIDRs, or the private endpoint (below).
          vpcConfig: {
            subnetIds: args.privateSubnetIds,
            endpointPrivateAccess: true,
            endpointPublicAccess: publicEndpoint,
            publicAccessCidrs: publicEndpoint ? publicCidrs : undefined,
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
    // A private endpoint admits only what the cluster security group admits: "your Amazon EKS control plane
    // security group [must contain] rules to allow ingress traffic on port 443 from your connected network"
    // (https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html, accessing a private only API server).
    privateCidrs.forEach((cidr, i) => {
      new vpc.SecurityGroupIngressRule(
        `${name}-api-from-private-${i + 1}`,
        { securityGroupId: this.nodeSecurityGroupId, cidrIpv4: cidr, ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "Kubernetes API for the deployer (cluster.endpointAccess.privateCidrs)", tags: standardTags(COMPONENT) },
        child,
      );
    });

    const issuer = cluster.identities.apply((ids) => ids?.[0]?.oidcs?.[0]?.issuer ?? "");
    const oidcProvider = new iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags: standardTags(COMPONENT) }, child);
    this.oidc = { providerArn: oidcProvider.arn, issuerHost: issuer.apply((u) => u.replace(/^https:\/\//, "")) };

    const clusterAdmin = (id: string, principalArn: string) => {
      const entry = new eks.AccessEntry(`${name}-${id}`, { clusterName: cluster.name, principalArn, type: "STANDARD", tags: standardTags(COMPONENT) }, child);
      new eks.AccessPolicyAssociation(
        `${name}-${id}-policy`,
        { clusterName: cluster.name, principalArn, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } },
        { parent: this, dependsOn: [entry] },
      );
    };
    s.adminRoleArns.forEach((principalArn, i) => clusterAdmin(`admin-${i + 1}`, principalArn));
    // The CI preview role needs cluster-admin too: the Kubernetes provider previews with server-side apply, i.e.
    // dry-run requests, and "authorization for dry-run and non-dry-run requests is identical"
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#dry-run); the stack writes cluster-scoped
    // objects (namespaces, StorageClass, RuntimeClass, CRDs in charts) that namespaced policies do not cover.
    if (s.ciRoleArn) clusterAdmin("ci", s.ciRoleArn);

    // vpc-cni first, with its own role, before any node: a node is Ready only once aws-node runs with
    // AmazonEKS_CNI_Policy, and AWS recommends a separate IRSA role for it over the node role
    // (https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html). A DaemonSet with no nodes yet
    // is complete, so the add-on reaches ACTIVE before the node groups exist.
    const cni = serviceAccountRole(this, `${name}-vpc-cni-role`, this.oidc, { namespace: "kube-system", name: "aws-node" }, COMPONENT, "eks-vpc-cni");
    const cniPolicy = new iam.RolePolicyAttachment(`${name}-vpc-cni-policy`, { role: cni.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" }, child);
    const addon = (addonName: string, extra: Partial<eks.AddonArgs>, dependsOn: pulumi.Resource[]) =>
      new eks.Addon(
        `${name}-addon-${addonName}`,
        { clusterName: cluster.name, addonName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "PRESERVE", tags: standardTags(COMPONENT), ...extra },
        { parent: this, dependsOn },
      );
    // Network policy enforcement in the CNI: the sandbox's default-deny policy means nothing without it.
    const vpcCni = addon("vpc-cni", { serviceAccountRoleArn: cni.arn, configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) }, [cniPolicy]);

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
    const nodeGroup = (
      id: string,
      labels: Record<string, string>,
      taints: eks.NodeGroupArgs["taints"],
      scaling: { min: number; desired: number; max: number },
      launchTemplate?: ec2.LaunchTemplate,
    ) =>
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
            launchTemplate: launchTemplate ? { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) } : undefined,
            tags: standardTags(COMPONENT),
          },
          // The autoscaler owns the desired size once the group exists. Nodes wait for the CNI that makes them Ready.
          { parent: this, dependsOn: [...nodes.attachments, vpcCni], ignoreChanges: ["scalingConfig.desiredSize"] },
        ),
      );
    const general = nodeGroup("general", { "agentyard.dev/pool": "general" }, undefined, { min: s.minNodes, desired: s.desiredNodes, max: s.maxNodes });
    this.generalNodes = general;
    if (args.gvisorNodeGroup) {
      // Nodes that run sandboxes under gVisor: user data installs runsc and registers containerd's handler
      // (gvisor-nodes.ts). IMDS hop limit 1: a pod (not on the host network) cannot reach the node role's
      // credentials (https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html,
      // restrict access to the instance profile assigned to the worker node).
      const template = new ec2.LaunchTemplate(
        `${name}-sandbox-launch-template`,
        {
          // A prefix (launch template names allow 128 characters): a replacement never collides with the old template.
          namePrefix: `${physicalName("eksCluster", ["eks-sandbox"])}-`,
          description: `EKS sandbox nodes: gVisor (${GVISOR_RUNTIME_HANDLER}) installed at boot`,
          userData: Buffer.from(gvisorUserData()).toString("base64"),
          metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
          tagSpecifications: [{ resourceType: "instance", tags: standardTags(COMPONENT) }],
          tags: standardTags(COMPONENT),
        },
        child,
      );
      nodeGroup("sandbox", { ...GVISOR_NODE_LABEL }, [GVISOR_TAINT], { min: 1, desired: 1, max: Math.max(2, s.maxNodes) }, template);
    }

    const ebs = serviceAccountRole(this, `${name}-ebs-csi-role`, this.oidc, { namespace: "kube-system", name: "ebs-csi-controller-sa" }, COMPONENT, "eks-ebs-csi");
    const ebsPolicy = new iam.RolePolicyAttachment(`${name}-ebs-csi-policy`, { role: ebs.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" }, child);
    // Add-ons that run Deployments (coredns, the EBS CSI controller) become ACTIVE only once nodes can run them.
    const ebsCsi = addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebs.arn }, [general, ebsPolicy]);
    const addons: pulumi.Resource[] = [vpcCni, addon("coredns", {}, [general]), addon("kube-proxy", {}, [general]), ebsCsi];

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
            users: [{ name: n, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--region", args.region, "--cluster-name", n] } } }],
          }),
        ),
        enableServerSideApply: true,
      },
      { parent: this, dependsOn: addons },
    );

    const controllerRole = serviceAccountRole(this, `${name}-lb-controller-role`, this.oidc, { namespace: "kube-system", name: "aws-load-balancer-controller" }, COMPONENT, "eks-lb-controller");
    new iam.RolePolicy(`${name}-lb-controller-policy`, { role: controllerRole.name, policy: loadBalancerControllerPolicy() }, child);
    const k8s = { parent: this, provider: this.provider };
    // After the EBS CSI add-on whose provisioner it names.
    this.storageClassName = defaultStorageClass(`${name}-default-storage-class`, { ...k8s, dependsOn: [ebsCsi] }).metadata.name;
    const release = (id: string, chart: (typeof CLUSTER_CHARTS)[keyof typeof CLUSTER_CHARTS], values: Record<string, unknown> = {}) =>
      new helm.Release(
        `${name}-${id}`,
        { name: chart.chart, chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repo }, namespace: "kube-system", values, atomic: true },
        k8s,
      );
    const lbController = release("lb-controller", CLUSTER_CHARTS.loadBalancerController, {
      clusterName: cluster.name,
      // Region and VPC given, not read from IMDS (helm/aws-load-balancer-controller/values.yaml at v3.5.0).
      region: args.region,
      vpcId: args.vpcId,
      replicaCount: 2,
      // v3 turns the Gateway API controllers on by default (pkg/config/feature_gates.go at v3.5.0); agentyard
      // uses TargetGroupBinding only, so they stay off rather than depend on which CRDs happen to be installed.
      controllerConfig: { featureGates: { ALBGatewayAPI: false, NLBGatewayAPI: false, GatewayListenerSet: false } },
      serviceAccount: { create: true, name: "aws-load-balancer-controller", annotations: { "eks.amazonaws.com/role-arn": controllerRole.arn } },
      // Ingresses are not how agentyard exposes services: TargetGroupBinding is.
      enableServiceMutatorWebhook: false,
    });
    const metricsServer = release("metrics-server", CLUSTER_CHARTS.metricsServer);
    // Karpenter adds nodes for the workloads; it runs on the managed node group (its chart keeps it off its own nodes).
    const autoscaler = karpenter(this, `${name}-karpenter`, {
      settings: s,
      clusterName,
      cluster: cluster.name,
      clusterSecurityGroupId: this.nodeSecurityGroupId,
      privateSubnetIds: args.privateSubnetIds,
      oidc: this.oidc,
      provider: this.provider,
      region: args.region,
      gvisor: args.gvisorNodeGroup ? { label: GVISOR_NODE_LABEL, taint: GVISOR_TAINT } : undefined,
      dependsOn: [general, ...addons],
    });
    this.nodePools = autoscaler.nodePools;
    this.addons = [lbController, metricsServer, ...autoscaler.ready];
    this.registerOutputs({ name: this.name, endpoint: this.endpoint });
  }
}
