/**
 * The request body limit the stack promises (the seeds: 10 MB; agent prompts and code are large).
 * Where it is enforced, and why not elsewhere:
 * - ingress-nginx (`kubernetes`): `proxy-body-size` (its default, 1m, would refuse most prompts):
 *   https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#custom-max-body-size
 * - AWS WAF in front of an ALB sees only the first 8 KB of a body ("For Application Load Balancer
 *   ... the limit is fixed at 8 KB", https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-setting-body-inspection-limit.html),
 *   so it cannot measure a body; it can refuse a request whose Content-Length declares more (below).
 *   A chunked request declares none: the service itself must enforce the limit, which AgentService
 *   passes to it as MAX_REQUEST_BODY_BYTES.
 * - The ALB has no body size setting.
 */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

/** The ingress-nginx `proxy-body-size` value for the limit (nginx size units). */
export const NGINX_BODY_SIZE = `${MAX_REQUEST_BODY_BYTES / (1024 * 1024)}m`;

/**
 * A regular expression matching a decimal number strictly greater than `limit` (leading zeros
 * allowed): what a WAF regex match on the Content-Length header compares against, since WAF has no
 * numeric comparison of a header's value.
 */
export function greaterThanPattern(limit: number): string {
  const digits = String(limit);
  const alternatives = [`[1-9][0-9]{${digits.length},}`];
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    if (d === 9) continue;
    const rest = digits.length - i - 1;
    const low = i === 0 ? Math.max(d + 1, 1) : d + 1;
    alternatives.push(`${digits.slice(0, i)}[${low}-9]${rest ? `[0-9]{${rest}}` : ""}`);
  }
  return `^0*(${alternatives.join("|")})$`;
}
