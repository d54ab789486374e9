import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { physicalName, standardTags } from "../naming";

/** What a role for service accounts (IRSA) needs from the cluster. */
export interface OidcIssuer {
  readonly providerArn: pulumi.Input<string>;
  /** The issuer URL without `https://`. */
  readonly issuerHost: pulumi.Input<string>;
}

/**
 * A role that exactly one Kubernetes service account may assume through the cluster's OIDC
 * provider: the `sub` and `aud` conditions pin namespace, name and audience.
 */
export function serviceAccountRole(
  parent: pulumi.Resource,
  name: string,
  oidc: OidcIssuer,
  serviceAccount: { namespace: pulumi.Input<string>; name: pulumi.Input<string> },
  component: string,
  physical: string,
): iam.Role {
  return new iam.Role(
    name,
    {
      name: physicalName("iamRole", [physical]),
      assumeRolePolicy: pulumi.all([oidc.providerArn, oidc.issuerHost, serviceAccount.namespace, serviceAccount.name]).apply(([arn, host, ns, sa]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: arn },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: { StringEquals: { [`${host}:sub`]: `system:serviceaccount:${ns}:${sa}`, [`${host}:aud`]: "sts.amazonaws.com" } },
            },
          ],
        }),
      ),
      tags: standardTags(component),
    },
    { parent },
  );
}
