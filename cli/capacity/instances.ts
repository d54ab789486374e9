/*
 * vCPU and memory of the EC2 instance types the presets name, for the capacity check: from the
 * instance type pages (https://aws.amazon.com/ec2/instance-types/ general purpose, M6i/M6g/M7g/M7i/T3/T4g).
 * An instance type missing here is reported as uncounted, never guessed.
 */
export const INSTANCE_SHAPES: Readonly<Record<string, { vcpu: number; memoryGiB: number }>> = {
  "t3.medium": { vcpu: 2, memoryGiB: 4 },
  "t3.large": { vcpu: 2, memoryGiB: 8 },
  "t4g.medium": { vcpu: 2, memoryGiB: 4 },
  "t4g.large": { vcpu: 2, memoryGiB: 8 },
  "m6i.large": { vcpu: 2, memoryGiB: 8 },
  "m6i.xlarge": { vcpu: 4, memoryGiB: 16 },
  "m7i.large": { vcpu: 2, memoryGiB: 8 },
  "m6g.large": { vcpu: 2, memoryGiB: 8 },
  "m7g.large": { vcpu: 2, memoryGiB: 8 },
};

/*
 * What pods may request of a node's capacity. On EKS AL2023 the kubelet reserves CPU (6 % of the
 * first core, less of the rest) and memory (255 MiB + 11 MiB per allowed pod) plus a 100 MiB eviction
 * threshold (https://github.com/awslabs/amazon-eks-ami, nodeadm kubelet config: kube-reserved), and the
 * node DaemonSets (aws-node, kube-proxy, ebs-csi-node) request about 0.1 vCPU and 0.2 GiB more; on a
 * 2-vCPU, 8-GiB node that is about a tenth. The check assumes 90 % of capacity is allocatable.
 */
export const ALLOCATABLE_SHARE = 0.9;
