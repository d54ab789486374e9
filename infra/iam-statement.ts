/*
 * IAM policy statements as this repository writes them: typed, and serialized by JSON.stringify in
 * the order their keys are written (IAM ignores key order; a plan diff does not). Element names as
 * in the IAM JSON policy reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */

/** A condition block: operator (`StringEquals`, `Null`, ...) to condition key to value(s). */
export type PolicyConditions = Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | { readonly Service: readonly string[] };
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: PolicyConditions;
}

/** `service:Name` for each name: one service prefix written once. */
export function actions(service: string, names: readonly string[]): string[] {
  return names.map((name) => `${service}:${name}`);
}

/** `aws:RequestTag/<key>`: a tag the request sets. */
export const requestTag = (key: string): string => `aws:RequestTag/${key}`;
/** `aws:ResourceTag/<key>`: a tag the resource already carries. */
export const resourceTag = (key: string): string => `aws:ResourceTag/${key}`;
