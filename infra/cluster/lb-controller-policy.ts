import { type PolicyStatement, actions, requestTag, resourceTag } from "../iam-statement";

/*
 * The AWS Load Balancer Controller's permissions, written here statement by statement from reading
 * the controller at the version the pinned chart installs (kubernetes-sigs/aws-load-balancer-controller
 * tag v3.5.0, commit 11eb202c; its pkg/aws/services/ clients and pkg/deploy/ managers) and the
 * policy its install guide publishes for that tag (docs/install/iam_policy.json). They grant the
 * same permissions as that published policy, statement for statement: a policy that lacks one
 * fails at reconcile time, not at `pulumi up` (the hand-written policy before it missed listener
 * attributes, WAF and Shield association and tag-on-create). Bump with the chart
 * (CLUSTER_CHARTS.loadBalancerController): read the new tag's clients and published policy and
 * change what changed.
 */
export const LB_CONTROLLER_POLICY_SOURCE = {
  version: "v3.5.0",
  tag: "v3.5.0",
  commit: "11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4",
  url: "https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/v3.5.0/docs/install/iam_policy.json",
} as const;

/** The API prefix of ELBv2 actions and condition keys. */
const ELB = "elasticloadbalancing";

/** The tag the controller puts on every security group, load balancer and target group it creates. */
export const LB_CONTROLLER_CLUSTER_TAG = "elbv2.k8s.aws/cluster";

/** Only on what the controller created (the resource carries its cluster tag). */
const OWNED = { Null: { [resourceTag(LB_CONTROLLER_CLUSTER_TAG)]: "false" } } as const;
/** A tag change on something it created that does not touch the cluster tag itself. */
const OWNED_TAG_CHANGE = { Null: { [requestTag(LB_CONTROLLER_CLUSTER_TAG)]: "true", [resourceTag(LB_CONTROLLER_CLUSTER_TAG)]: "false" } } as const;
/** A create request that tags what it creates with the cluster tag. */
const CREATED_TAGGED = { Null: { [requestTag(LB_CONTROLLER_CLUSTER_TAG)]: "false" } } as const;

/** ELBv2 ARNs in any region and account (the published policy is partition `aws`, as ours). */
const elb = (resource: string) => `arn:aws:${ELB}:*:*:${resource}`;
const SECURITY_GROUPS = "arn:aws:ec2:*:*:security-group/*";
/** The ec2:CreateAction of a security group's tag-on-create. */
const CREATE_SECURITY_GROUP = "CreateSecurityGroup";
const LOAD_BALANCERS_AND_TARGET_GROUPS = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];

export const LB_CONTROLLER_STATEMENTS: readonly PolicyStatement[] = [
  // ELB creates its service-linked role on an account's first load balancer, as the caller
  // (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-permissions.html, CreateLoadBalancer).
  { Effect: "Allow", Action: ["iam:CreateServiceLinkedRole"], Resource: "*", Condition: { StringEquals: { "iam:AWSServiceName": `${ELB}.amazonaws.com` } } },
  // Reads. Subnet auto-discovery (pkg/networking/subnet_resolver.go: subnets, route tables, VPCs),
  // security group resolution, pod ENIs for IP targets (pod_eni_info_resolver.go), and the state of
  // every ELBv2 object it reconciles (pkg/deploy/elbv2/, including listener attributes, trust
  // stores and capacity reservations). Account attributes, addresses, internet gateways, peering,
  // customer-owned IP and IPAM pools: ELB checks these as the caller when it creates or changes a
  // load balancer with such settings (same page; DescribeCoipPools and GetCoipPoolUsage for Outposts).
  {
    Effect: "Allow",
    Action: [
      ...actions("ec2", ["DescribeAccountAttributes", "DescribeAddresses", "DescribeAvailabilityZones", "DescribeInternetGateways", "DescribeVpcs", "DescribeVpcPeeringConnections", "DescribeSubnets", "DescribeSecurityGroups", "DescribeInstances", "DescribeNetworkInterfaces", "DescribeTags", "GetCoipPoolUsage", "DescribeCoipPools", "GetSecurityGroupsForVpc", "DescribeIpamPools", "DescribeRouteTables"]),
      ...actions(ELB, ["DescribeLoadBalancers", "DescribeLoadBalancerAttributes", "DescribeListeners", "DescribeListenerCertificates", "DescribeSSLPolicies", "DescribeRules", "DescribeTargetGroups", "DescribeTargetGroupAttributes", "DescribeTargetHealth", "DescribeTags", "DescribeTrustStores", "DescribeListenerAttributes", "DescribeCapacityReservation"]),
    ],
    Resource: "*",
  },
  // What Ingress annotations point at: certificate discovery by host (pkg/certs/cert_discovery.go,
  // ACM), a WAF Classic or WAFv2 web ACL (pkg/deploy/wafregional/, wafv2/), Shield Advanced
  // protection (pkg/deploy/shield/). The Cognito user pool client and IAM server certificates are
  // not called by the controller's code at the tag: ELB reads them as the caller when a listener
  // or rule names them.
  {
    Effect: "Allow",
    Action: [
      ...actions("cognito-idp", ["DescribeUserPoolClient"]),
      ...actions("acm", ["ListCertificates", "DescribeCertificate"]),
      ...actions("iam", ["ListServerCertificates", "GetServerCertificate"]),
      ...actions("waf-regional", ["GetWebACL", "GetWebACLForResource", "AssociateWebACL", "DisassociateWebACL"]),
      ...actions("wafv2", ["GetWebACL", "GetWebACLForResource", "AssociateWebACL", "DisassociateWebACL"]),
      ...actions("shield", ["GetSubscriptionState", "DescribeProtection", "CreateProtection", "DeleteProtection"]),
    ],
    Resource: "*",
  },
  // Backend rules: the load balancers' traffic admitted to the nodes' or pods' security groups
  // (pkg/networking/networking_manager.go), which are not the controller's own.
  { Effect: "Allow", Action: actions("ec2", ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"]), Resource: "*" },
  // The frontend and shared backend security groups it manages for its load balancers
  // (pkg/deploy/ec2/security_group_manager.go, pkg/networking/backend_sg_provider.go).
  { Effect: "Allow", Action: ["ec2:CreateSecurityGroup"], Resource: "*" },
  // Tags on a security group as it is created, only with the cluster tag among them.
  { Effect: "Allow", Action: ["ec2:CreateTags"], Resource: SECURITY_GROUPS, Condition: { StringEquals: { "ec2:CreateAction": CREATE_SECURITY_GROUP }, ...CREATED_TAGGED } },
  // Later tag updates on its own security groups (not the cluster tag).
  { Effect: "Allow", Action: actions("ec2", ["CreateTags", "DeleteTags"]), Resource: SECURITY_GROUPS, Condition: OWNED_TAG_CHANGE },
  // Rules on, and deletion of, its own security groups.
  { Effect: "Allow", Action: actions("ec2", ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "DeleteSecurityGroup"]), Resource: "*", Condition: OWNED },
  // Load balancers and target groups, created with the cluster tag.
  { Effect: "Allow", Action: actions(ELB, ["CreateLoadBalancer", "CreateTargetGroup"]), Resource: "*", Condition: CREATED_TAGGED },
  // Listeners and listener rules (pkg/deploy/elbv2/listener_manager.go, listener_rule_manager.go).
  { Effect: "Allow", Action: actions(ELB, ["CreateListener", "DeleteListener", "CreateRule", "DeleteRule"]), Resource: "*" },
  // Tag updates on its own load balancers and target groups (pkg/deploy/elbv2/tagging_manager.go).
  { Effect: "Allow", Action: actions(ELB, ["AddTags", "RemoveTags"]), Resource: LOAD_BALANCERS_AND_TARGET_GROUPS, Condition: OWNED_TAG_CHANGE },
  // Tags on listeners and rules, which the cluster tag does not mark.
  {
    Effect: "Allow",
    Action: actions(ELB, ["AddTags", "RemoveTags"]),
    Resource: [elb("listener/net/*/*/*"), elb("listener/app/*/*/*"), elb("listener-rule/net/*/*/*"), elb("listener-rule/app/*/*/*")],
  },
  // Changes to and deletion of its own load balancers and target groups: attributes, IP address
  // type, security groups, subnets, listener attributes, capacity reservation
  // (load_balancer_capacity_reservation_reconciler.go) and IPAM pools (load_balancer_manager.go).
  {
    Effect: "Allow",
    Action: actions(ELB, ["ModifyLoadBalancerAttributes", "SetIpAddressType", "SetSecurityGroups", "SetSubnets", "DeleteLoadBalancer", "ModifyTargetGroup", "ModifyTargetGroupAttributes", "DeleteTargetGroup", "ModifyListenerAttributes", "ModifyCapacityReservation", "ModifyIpPools"]),
    Resource: "*",
    Condition: OWNED,
  },
  // Tags set by CreateLoadBalancer and CreateTargetGroup themselves (tag-on-create needs AddTags).
  {
    Effect: "Allow",
    Action: actions(ELB, ["AddTags"]),
    Resource: LOAD_BALANCERS_AND_TARGET_GROUPS,
    Condition: { StringEquals: { [`${ELB}:CreateAction`]: ["CreateTargetGroup", "CreateLoadBalancer"] }, ...CREATED_TAGGED },
  },
  // TargetGroupBinding: pods or instances in and out of target groups (pkg/targetgroupbinding/).
  { Effect: "Allow", Action: actions(ELB, ["RegisterTargets", "DeregisterTargets"]), Resource: elb("targetgroup/*/*") },
  // Listener and rule updates: certificates, actions, rule priorities (listener_rule_synthesizer.go), web ACL.
  {
    Effect: "Allow",
    Action: actions(ELB, ["SetWebAcl", "ModifyListener", "AddListenerCertificates", "RemoveListenerCertificates", "ModifyRule", "SetRulePriorities"]),
    Resource: "*",
  },
];

/** The policy document to attach, minified (IAM counts whitespace against an inline policy's size). */
export function loadBalancerControllerPolicy(): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: LB_CONTROLLER_STATEMENTS });
}
