/*
 * The Node.js the database bootstrap runs on, with the dates that age it.
 *
 * - Lambda (eks, ecs): nodejs24.x. AWS's table of Node.js runtimes
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html, seen 2026-12-02): nodejs24.x is
 *   deprecated on 2028-04-30, function creation blocked from 2028-06-01 and updates from 2028-07-01;
 *   nodejs22.x, used before, is deprecated on 2027-04-30 (updates blocked from 2027-07-01), and
 *   nodejs20.x was deprecated on 2026-04-30. Node.js 24 on Lambda runs async handlers only (the
 *   callback signature was removed: aws/aws-lambda-nodejs-runtime-interface-client v4.0.0); ours is
 *   async. The CA bundle the function points NODE_EXTRA_CA_CERTS at, /var/runtime/ca-cert.pem: the
 *   same page (the version that lists nodejs24.x) describes it "starting with Node.js 20"; a deploy
 *   on nodejs24.x is its check (a missing file would fail the bootstrap's TLS to RDS, loudly).
 * - Kubernetes (the `kubernetes` platform's Job): the official node image of the same major.
 *   Node.js 24 is maintained upstream until 2028-04-30, Node.js 22 until 2027-04-30
 *   (https://github.com/nodejs/Release, schedule.json).
 */

export const BOOTSTRAP_NODE = {
  /** The Lambda runtime identifier. */
  lambdaRuntime: "nodejs24.x",
  /** Lambda's deprecation date for it (UTC day): no security patches after it. */
  lambdaDeprecation: "2028-04-30",
  /** From this day Lambda refuses to update a function on the runtime, so `pulumi up` fails. */
  lambdaBlockUpdate: "2028-07-01",
  /** The Job's default image. */
  jobImage: "node:24-alpine",
  /**
   * The oldest Node.js the bundle is built for: 22, the oldest line still maintained upstream, so
   * that a Job image chosen by the user (`images.node`) may be Node.js 22. esbuild's output for this
   * code is byte for byte the same for node20, node22 and node24 (measured 2026-12-02), so the bump
   * from node20 changed no deployed code.
   */
  esbuildTarget: "node22",
} as const;
