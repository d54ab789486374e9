import * as pulumi from "@pulumi/pulumi";
import * as acm from "@pulumi/aws/acm";
import * as ec2 from "@pulumi/aws/ec2";
import * as lb from "@pulumi/aws/lb";
import * as route53 from "@pulumi/aws/route53";
import * as vpc from "@pulumi/aws/vpc";
import { namedTags, standardTags } from "../../infra/naming";
import { applyTransform } from "../../infra/transform";
import { ACCESS_LOG_PREFIX, createAccessLogBucket } from "./access-logs";
import type { LoadBalancerArgs, NormalizedLoadBalancerArgs } from "./args";
import type { NormalizedRoute } from "./routes";
import { createWebAcl } from "./waf";

const COMPONENT = "load-balancer";
/** TLS 1.3 with TLS 1.2 fallback, forward-secret ciphers only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
export const HSTS = "max-age=31536000; includeSubDomains";

export interface AwsFrontDoor {
  readonly alb: lb.LoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  /** The listener routes attach to: HTTPS, or HTTP when there is no certificate. */
  readonly routeListener: lb.Listener;
  readonly https: boolean;
  readonly url: pulumi.Output<string>;
  attach(route: NormalizedRoute): { targetGroup: lb.TargetGroup; rule: lb.ListenerRule };
}

export function createAwsFrontDoor(
  parent: pulumi.Resource,
  name: string,
  cfg: NormalizedLoadBalancerArgs,
  args: LoadBalancerArgs,
  authPathPatterns: readonly string[],
): AwsFrontDoor {
  const child = { parent };
  const transform = args.transform ?? {};

  // No inline rules: standalone rules below, and the provider removes AWS's default allow-all egress.
  const securityGroup = new ec2.SecurityGroup(
    ...applyTransform(
      transform.securityGroup,
      `${name}-alb`,
      { vpcId: args.vpcId as pulumi.Input<string>, description: "The public load balancer: 80 and 443 in, service ports out", tags: namedTags(COMPONENT, "alb") },
      child,
    ),
  );
  for (const port of [80, 443]) {
    cfg.allowedCidrs.forEach(
      (cidr, i) =>
        new vpc.SecurityGroupIngressRule(
          `${name}-alb-in-${port}-${i}`,
          { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description: `${port === 443 ? "HTTPS" : "HTTP"} from ${cidr}`, tags: standardTags(COMPONENT) },
          child,
        ),
    );
  }

  const logs = createAccessLogBucket(parent, name, { retentionDays: cfg.accessLogRetentionDays, retain: cfg.deletionProtection, transform: transform.accessLogBucket });

  const alb = new lb.LoadBalancer(
    ...applyTransform(
      transform.loadBalancer,
      `${name}-alb`,
      {
        name: cfg.albName,
        loadBalancerType: "application",
        internal: false,
        securityGroups: [securityGroup.id],
        subnets: args.publicSubnetIds as pulumi.Input<string>[],
        idleTimeout: cfg.idleTimeoutSeconds,
        dropInvalidHeaderFields: true,
        desyncMitigationMode: cfg.desyncMitigationMode,
        enableDeletionProtection: cfg.deletionProtection,
        enableHttp2: true,
        accessLogs: { bucket: logs.bucket.bucket, prefix: ACCESS_LOG_PREFIX, enabled: true },
        tags: standardTags(COMPONENT),
      },
      // The ALB checks that it may write to the bucket when logging is enabled.
      { parent, dependsOn: [logs.policy] },
    ),
  );

  const certificateArn = certificateFor(parent, name, cfg);
  const https = certificateArn !== undefined;
  const notFound = { type: "fixed-response", fixedResponse: { contentType: "application/json", statusCode: "404", messageBody: '{"error":"not found"}' } };
  if (!https) pulumi.log.warn(`LoadBalancer "${name}" serves plain HTTP: set loadBalancer.domain with hostedZoneId, or certificateArn, for HTTPS`, parent);
  const httpListener = new lb.Listener(
    ...applyTransform(
      transform.httpListener,
      `${name}-http`,
      {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: "HTTP",
        // With a certificate, HTTP only redirects; without one, routes attach here.
        defaultActions: [https ? { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } } : notFound],
        tags: standardTags(COMPONENT),
      },
      child,
    ),
  );
  const routeListener = certificateArn
    ? new lb.Listener(
        ...applyTransform(
          transform.httpsListener,
          `${name}-https`,
          {
            loadBalancerArn: alb.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: TLS_POLICY,
            certificateArn,
            routingHttpResponseStrictTransportSecurityHeaderValue: HSTS,
            routingHttpResponseXContentTypeOptionsHeaderValue: "nosniff",
            defaultActions: [notFound],
            tags: standardTags(COMPONENT),
          },
          child,
        ),
      )
    : httpListener;

  if (cfg.domain && cfg.hostedZoneId) {
    new route53.Record(
      `${name}-alias`,
      { zoneId: cfg.hostedZoneId, name: cfg.domain, type: "A", aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }] },
      child,
    );
  }

  if (cfg.waf) {
    createWebAcl(parent, name, alb.arn, {
      apiRateLimitPerMinute: cfg.apiRateLimitPerMinute,
      authRateLimitPerMinute: cfg.authRateLimitPerMinute,
      authPathPatterns,
      transform: transform.webAcl,
    });
  }

  const host = cfg.domain ? pulumi.output(cfg.domain) : alb.dnsName;
  const url = pulumi.interpolate`${https ? "https" : "http"}://${host}`;
  const egressPorts = new Set<number>();

  const attach = (route: NormalizedRoute) => {
    const targetGroup = new lb.TargetGroup(
      ...applyTransform(
        transform.targetGroup,
        `${name}-${route.name}`,
        {
          name: route.targetGroupName,
          port: route.port,
          protocol: "HTTP",
          targetType: "ip",
          vpcId: args.vpcId as pulumi.Input<string>,
          deregistrationDelay: route.deregistrationDelaySeconds,
          slowStart: route.slowStartSeconds,
          ...(route.stickinessSeconds ? { stickiness: { enabled: true, type: "lb_cookie", cookieDuration: route.stickinessSeconds } } : {}),
          healthCheck: {
            enabled: true,
            path: route.healthCheckPath,
            protocol: "HTTP",
            port: "traffic-port",
            matcher: "200-399",
            interval: 15,
            timeout: 5,
            healthyThreshold: 2,
            unhealthyThreshold: 3,
          },
          tags: standardTags(COMPONENT, { route: route.name }),
        },
        child,
      ),
    );
    const conditions = [
      ...(route.pathPatterns.length ? [{ pathPattern: { values: [...route.pathPatterns] } }] : []),
      ...(route.hosts.length ? [{ hostHeader: { values: [...route.hosts] } }] : []),
    ];
    const rule = new lb.ListenerRule(
      ...applyTransform(
        transform.listenerRule,
        `${name}-${route.name}`,
        {
          listenerArn: routeListener.arn,
          priority: route.priority,
          actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
          conditions,
          tags: standardTags(COMPONENT, { route: route.name }),
        },
        child,
      ),
    );
    // Egress only to the services, only on their ports.
    if (!egressPorts.has(route.port)) {
      egressPorts.add(route.port);
      (args.workloadSecurityGroupIds ?? []).forEach(
        (sg, i) =>
          new vpc.SecurityGroupEgressRule(
            `${name}-alb-out-${route.port}-${i}`,
            {
              securityGroupId: securityGroup.id,
              referencedSecurityGroupId: sg,
              ipProtocol: "tcp",
              fromPort: route.port,
              toPort: route.port,
              description: `to services on ${route.port}`,
              tags: standardTags(COMPONENT),
            },
            child,
          ),
      );
    }
    return { targetGroup, rule };
  };

  return { alb, securityGroup, routeListener, https, url, attach };
}

/** The certificate to serve: the given one, or one requested for the domain and validated by DNS. */
function certificateFor(parent: pulumi.Resource, name: string, cfg: NormalizedLoadBalancerArgs): pulumi.Input<string> | undefined {
  if (cfg.certificateArn) return cfg.certificateArn;
  if (!cfg.domain || !cfg.hostedZoneId) return undefined;
  const child = { parent };
  const certificate = new acm.Certificate(
    `${name}-cert`,
    { domainName: cfg.domain, validationMethod: "DNS", keyAlgorithm: "EC_prime256v1", tags: standardTags(COMPONENT) },
    child,
  );
  const option = certificate.domainValidationOptions[0];
  const record = new route53.Record(
    `${name}-cert-validation`,
    { zoneId: cfg.hostedZoneId, name: option.resourceRecordName, type: option.resourceRecordType, records: [option.resourceRecordValue], ttl: 300, allowOverwrite: true },
    child,
  );
  return new acm.CertificateValidation(`${name}-cert`, { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] }, child).certificateArn;
}
