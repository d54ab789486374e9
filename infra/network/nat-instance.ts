import type * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import { namedTags } from "../naming";

/** A cost lever for dev (as SST offers): one t4g.nano doing NAT instead of a $33-a-month NAT gateway. */
export const NAT_INSTANCE_TYPE = "t4g.nano";

/** Turns on forwarding and masquerading at boot; nothing listens, nothing to log in to. */
export const NAT_USER_DATA = `#!/bin/bash
set -euo pipefail
dnf install -y iptables-services
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf
sysctl --system
iface=$(ip route show default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o "$iface" -j MASQUERADE
iptables -F FORWARD
service iptables save
systemctl enable --now iptables
`;

/**
 * A NAT instance in the first public subnet: no key pair, no ingress but from the VPC, IMDSv2
 * only, an encrypted root volume, source/destination check off, a static public IP. It is one
 * instance in one AZ: fine for dev, not for anything that must survive an AZ or a reboot.
 */
export function createNatInstance(parent: pulumi.Resource, name: string, args: { vpcId: pulumi.Input<string>; vpcCidr: string; subnetId: pulumi.Input<string>; component: string }) {
  const child = { parent };
  const sg = new ec2.SecurityGroup(`${name}-nat-instance-sg`, { vpcId: args.vpcId, description: "NAT instance: everything from the VPC, out to the internet", revokeRulesOnDelete: true, tags: namedTags(args.component, "nat-instance") }, child);
  new vpc.SecurityGroupIngressRule(`${name}-nat-instance-from-vpc`, { securityGroupId: sg.id, cidrIpv4: args.vpcCidr, ipProtocol: "-1", description: "traffic to translate", tags: namedTags(args.component, "nat-instance") }, child);
  new vpc.SecurityGroupEgressRule(`${name}-nat-instance-out`, { securityGroupId: sg.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "-1", description: "translated traffic", tags: namedTags(args.component, "nat-instance") }, child);
  const instance = new ec2.Instance(
    `${name}-nat-instance`,
    {
      instanceType: NAT_INSTANCE_TYPE,
      // The latest Amazon Linux 2023 for ARM, resolved by EC2 at launch (no AMI id pinned in code).
      ami: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
      subnetId: args.subnetId,
      vpcSecurityGroupIds: [sg.id],
      sourceDestCheck: false,
      userData: NAT_USER_DATA,
      userDataReplaceOnChange: true,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
      rootBlockDevice: { volumeType: "gp3", volumeSize: 8, encrypted: true },
      tags: namedTags(args.component, "nat-instance"),
    },
    // A new AMI at the next boot is not a reason to replace the instance under running traffic.
    { parent, ignoreChanges: ["ami"] },
  );
  new ec2.Eip(`${name}-nat-instance-ip`, { domain: "vpc", instance: instance.id, tags: namedTags(args.component, "nat-instance") }, child);
  return instance;
}
