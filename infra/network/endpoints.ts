/** Interface endpoints that keep image pulls, secrets, logs and role assumption off the NAT. */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "secretsmanager", "logs", "sts"] as const;

export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

/** A short, stable logical-name part per service (`ecr.api` -> `ecr-api`). */
export function endpointSlug(service: InterfaceEndpointService): string {
  return service.replace(/\./g, "-");
}
