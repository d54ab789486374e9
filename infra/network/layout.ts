import { cidrSubnet, formatCidr, type Ipv4Cidr, parseCidr } from "./cidr";

/** The three tiers of subnets and the CIDR of each per AZ index. */
export interface SubnetLayout {
  /** Workloads (nodes, pods, tasks): the largest blocks, because the VPC CNI gives every pod a VPC address. */
  readonly private: readonly string[];
  /** Load balancers and NAT gateways only. */
  readonly public: readonly string[];
  /** Data stores: no route to or from the internet. */
  readonly isolated: readonly string[];
}

export const MAX_AZS = 6;

/**
 * Carves the VPC into eighths: eighths 0-5 are one private subnet per AZ; eighth 6 is cut into
 * eight public subnets and eighth 7 into eight isolated ones. For a /16 that is a /19 of workload
 * space per AZ and a /22 each for public and data. Index i is always AZ i, so adding an AZ
 * adds subnets and never renumbers the existing ones.
 */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new Error(`subnetLayout: ${vpcCidr} is not an IPv4 CIDR block`);
  if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZS) {
    throw new Error(`subnetLayout: azCount must be an integer from 1 to ${MAX_AZS}, got ${azCount}`);
  }
  const eighth = (i: number): Ipv4Cidr => cidrSubnet(vpc, 3, i);
  const indexes = Array.from({ length: azCount }, (_, i) => i);
  return {
    private: indexes.map((i) => formatCidr(eighth(i))),
    public: indexes.map((i) => formatCidr(cidrSubnet(eighth(6), 3, i))),
    isolated: indexes.map((i) => formatCidr(cidrSubnet(eighth(7), 3, i))),
  };
}
