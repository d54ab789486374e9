import * as pulumi from "@pulumi/pulumi";
import * as networking from "@pulumi/kubernetes/networking";
import { applyTransform } from "../../infra/transform";
import type { LoadBalancerArgs, NormalizedLoadBalancerArgs } from "./args";
import { type NormalizedRoute, patternPrefix } from "./routes";
import { NGINX_BODY_SIZE } from "./body-limit";

/** ALB pattern to an Ingress prefix: `/v1/*` -> `/v1`, `/*` -> `/`. */
export function ingressPrefix(pattern: string): string {
  const head = patternPrefix(pattern).replace(/\/+$/, "");
  return head === "" ? "/" : head;
}

/** The same limits as the ALB, as ingress-nginx annotations. */
export function ingressAnnotations(cfg: NormalizedLoadBalancerArgs, route: NormalizedRoute, tls: boolean): Record<string, string> {
  const perMinute = route.rateLimit === "auth" ? cfg.authRateLimitPerMinute : cfg.apiRateLimitPerMinute;
  const annotations: Record<string, string> = {
    // limit-rpm, not limit-rps: per-minute limits below 60 would round to zero per second.
    "nginx.ingress.kubernetes.io/limit-rpm": String(perMinute),
    // The seeds' `burst=20` on 10 r/s.
    "nginx.ingress.kubernetes.io/limit-burst-multiplier": "2",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": String(cfg.idleTimeoutSeconds),
    "nginx.ingress.kubernetes.io/proxy-send-timeout": String(cfg.idleTimeoutSeconds),
    "nginx.ingress.kubernetes.io/ssl-redirect": tls ? "true" : "false",
    // ingress-nginx refuses bodies over 1m by default; the stack promises 10 MB (body-limit.ts).
    "nginx.ingress.kubernetes.io/proxy-body-size": NGINX_BODY_SIZE,
  };
  if (!cfg.allowedCidrs.includes("0.0.0.0/0")) annotations["nginx.ingress.kubernetes.io/whitelist-source-range"] = cfg.allowedCidrs.join(",");
  return annotations;
}

export interface KubernetesFrontDoor {
  readonly https: boolean;
  readonly url: pulumi.Output<string>;
  attach(route: NormalizedRoute): networking.v1.Ingress;
}

/** One Ingress per route (ingress-nginx merges Ingresses that share a host). */
export function createKubernetesFrontDoor(parent: pulumi.Resource, name: string, cfg: NormalizedLoadBalancerArgs, args: LoadBalancerArgs): KubernetesFrontDoor {
  const tls = Boolean(cfg.domain && args.tlsSecretName);
  if (!tls) pulumi.log.warn(`LoadBalancer "${name}" serves plain HTTP: set domain and tlsSecretName for HTTPS`, parent);
  const attach = (route: NormalizedRoute) => {
    const hosts = route.hosts.length ? route.hosts : cfg.domain ? [cfg.domain] : [undefined];
    const patterns = route.pathPatterns.length ? route.pathPatterns : ["/*"];
    const paths = patterns.map((p) => ({
      path: ingressPrefix(p),
      pathType: "Prefix",
      backend: { service: { name: route.serviceName, port: { number: route.port } } },
    }));
    return new networking.v1.Ingress(
      ...applyTransform(
        args.transform?.ingress,
        `${name}-${route.name}`,
        {
          metadata: {
            name: `${name}-${route.name}`,
            namespace: args.namespace ?? "default",
            labels: { "app.kubernetes.io/part-of": "agentyard", "app.kubernetes.io/component": "load-balancer" },
            annotations: ingressAnnotations(cfg, route, tls),
          },
          spec: {
            ingressClassName: args.ingressClassName ?? "nginx",
            tls: tls ? [{ hosts: [cfg.domain as string, ...route.hosts.filter((h) => h !== cfg.domain)], secretName: args.tlsSecretName }] : undefined,
            rules: hosts.map((host) => ({ host, http: { paths } })),
          },
        },
        { parent },
      ),
    );
  };
  return { https: tls, url: pulumi.output(`${tls ? "https" : "http"}://${cfg.domain ?? "localhost"}`), attach };
}
