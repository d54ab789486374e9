/**
 * A CRD's `openAPIV3Schema` (a structural schema) and a minimal validator for it: type, required,
 * properties, items, enum, pattern, bounds on numbers, lengths and items, `additionalProperties`,
 * `x-kubernetes-int-or-string`, `anyOf`/`oneOf`/`allOf`. Stricter than the API server in one way:
 * a property the schema does not name is an error here, where the server would prune it silently
 * (a dropped field is a bug in what we send). Not evaluated: CEL rules (`x-kubernetes-validations`)
 * and `format`; those the API server checks on a real cluster.
 */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | Schema;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}

/** A custom resource's kind and the structural schema we hold for it (our transcription of the CRD's). */
export interface KindSchema {
  readonly apiVersion: string;
  readonly kind: string;
  readonly schema: Schema;
}

export const STRING: Schema = { type: "string" };
export const STRING_MAP: Schema = { type: "object", additionalProperties: STRING };

/** apiVersion, kind and metadata (ObjectMeta, which the API server checks itself), as every kind has them. */
export function kindSchema(spec: Schema): Schema {
  return { type: "object", required: ["spec"], properties: { apiVersion: STRING, kind: STRING, metadata: { type: "object" }, spec } };
}

const typeOf = (v: unknown) => (Array.isArray(v) ? "array" : v === null ? "null" : Number.isInteger(v) ? "integer" : typeof v);

/** Every problem of `value` against `schema`, as `path: what`. */
export function validate(value: unknown, schema: Schema, path = "$"): string[] {
  const problems: string[] = [];
  const t = typeOf(value);
  if (schema["x-kubernetes-int-or-string"]) {
    if (t !== "integer" && t !== "string") problems.push(`${path}: got ${t}, expected an integer or a string`);
  } else if (schema.type) {
    const ok = schema.type === t || (schema.type === "number" && t === "integer");
    if (!ok) return [`${path}: got ${t} (${JSON.stringify(value)}), expected ${schema.type}`];
  }
  if (schema.enum && !schema.enum.some((e) => e === value)) problems.push(`${path}: got ${JSON.stringify(value)}, expected one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(value)) problems.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: ${value} below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: ${value} above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => problems.push(...validate(item, schema.items as Schema, `${path}[${i}]`)));
  }
  if (t === "object") {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) problems.push(`${path}: ${key} is required`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) problems.push(...validate(v, sub, `${path}.${key}`));
      else if (typeof schema.additionalProperties === "object") problems.push(...validate(v, schema.additionalProperties, `${path}.${key}`));
      else if (!schema["x-kubernetes-preserve-unknown-fields"] && schema.additionalProperties !== true) problems.push(`${path}.${key}: not in the schema (the API server would drop it)`);
    }
  }
  for (const s of schema.allOf ?? []) problems.push(...validate(value, s, path));
  // anyOf/oneOf in structural schemas only add constraints (value validation); one must hold.
  for (const group of [schema.anyOf, schema.oneOf]) {
    if (group && !group.some((s) => validate(value, s, path).length === 0)) {
      problems.push(`${path}: matches none of ${JSON.stringify(group)}`);
    }
  }
  return problems;
}

/**
 * A custom object against its CRD: `metadata` is ObjectMeta, which the API server validates itself
 * (the CRD's schema gives only `type: object`), so here only its name is checked (a DNS subdomain).
 */
export function validateObject(object: Readonly<Record<string, unknown>>, crd: { apiVersion: string; kind: string; schema: Schema }): string[] {
  const { metadata, ...rest } = object as { metadata?: { name?: unknown } };
  const problems: string[] = [];
  if (object.apiVersion !== crd.apiVersion || object.kind !== crd.kind) problems.push(`$: ${String(object.apiVersion)} ${String(object.kind)}, expected ${crd.apiVersion} ${crd.kind}`);
  const name = metadata?.name;
  if (typeof name !== "string" || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) problems.push(`$.metadata.name: got ${JSON.stringify(name)}, expected a DNS subdomain`);
  return [...problems, ...validate(rest, { ...crd.schema, properties: { ...crd.schema.properties, metadata: { type: "object" } } })];
}
