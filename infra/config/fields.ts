import { z } from "zod";
import { parseCidr } from "../network/cidr";

/*
 * Field builders whose every error message is the "expected" half of a problem line
 * (`key: got X, expected Y`), so that the formatter never has to guess what was allowed.
 */

export function integer(min: number, max: number): z.ZodNumber {
  const expected = `an integer from ${min} to ${max}`;
  return z.number({ error: expected }).int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(", ")}` });
}

export function flag(): z.ZodBoolean {
  return z.boolean({ error: "true or false" });
}

export function text(pattern: RegExp, expected: string): z.ZodString {
  return z.string({ error: expected }).regex(pattern, { error: expected });
}

export function listOf<T extends z.ZodType>(item: T, maxItems: number, what: string) {
  return z.array(item, { error: `a list of ${what}` }).max(maxItems, { error: `at most ${maxItems} ${what}` });
}

/** An IPv4 CIDR block with no host bits set, whose prefix lies in [minPrefix, maxPrefix]. */
export function cidrBlock(minPrefix = 0, maxPrefix = 32) {
  const expected =
    minPrefix === 0 && maxPrefix === 32
      ? "an IPv4 CIDR block such as 203.0.113.0/24"
      : `an IPv4 CIDR block from /${minPrefix} to /${maxPrefix} such as 10.0.0.0/${minPrefix}, with no host bits set`;
  return z.string({ error: expected }).refine(
    (value) => {
      const cidr = parseCidr(value);
      return cidr !== undefined && cidr.prefix >= minPrefix && cidr.prefix <= maxPrefix;
    },
    { error: expected },
  );
}

// Instance families: a db.* class given where an EC2 type is expected (or the reverse) is the
// commonest sizing typo, and AWS only reports it minutes into `pulumi up`.
export const ec2InstanceType = () =>
  text(/^(?!db\.|cache\.)[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type such as m6i.large (not a db.* or cache.* class)");
export const dbInstanceClass = () =>
  text(/^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an RDS instance class such as db.t4g.micro (db.* family)");
export const cacheNodeType = () =>
  text(/^cache\.[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an ElastiCache node type such as cache.t4g.micro (cache.* family)");

/** The retention periods CloudWatch Logs accepts; any other number is refused by the API. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export function logRetentionDays() {
  const expected = `a CloudWatch retention in days: one of ${LOG_RETENTION_DAYS.join(", ")}`;
  return z.number({ error: expected }).refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), { error: expected });
}
