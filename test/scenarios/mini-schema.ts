/**
 * A small JSON Schema checker for the keywords docs/scenario.schema.json uses (type, enum, anyOf, oneOf,
 * $ref to #/$defs, properties, additionalProperties, required, not, items, minItems, maxItems, minimum,
 * maximum, pattern, minLength; deprecated is an annotation). Any other keyword fails loudly, so the schema
 * cannot outgrow the check.
 */
type Schema = Record<string, any>;

const KNOWN = new Set(['$schema', '$id', 'title', 'description', 'type', 'enum', 'anyOf', 'oneOf', '$ref', '$defs', 'properties', 'additionalProperties', 'required', 'not', 'deprecated', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'pattern', 'minLength']);

function typeOk(t: string, v: unknown): boolean {
  switch (t) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return typeof v === t;
  }
}

/** Problems of `v` against `s` (empty when valid). */
export function check(root: Schema, s: Schema, v: unknown, path = '$'): string[] {
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) return [`${path}: schema keyword ${k} is not supported by the checker`];
  if (s.$ref) return check(root, root.$defs[String(s.$ref).replace('#/$defs/', '')], v, path);
  const out: string[] = [];
  if (s.type !== undefined && ![s.type].flat().some((t: string) => typeOk(t, v))) return [`${path}: expected ${[s.type].flat().join('|')}`];
  if (s.enum && !s.enum.includes(v)) out.push(`${path}: expected one of ${s.enum.join(', ')}`);
  if (s.anyOf && !s.anyOf.some((x: Schema) => check(root, x, v, path).length === 0)) out.push(`${path}: matches none of anyOf`);
  if (s.not && check(root, s.not, v, path).length === 0) out.push(`${path}: matches what "not" excludes`);
  if (s.oneOf && s.oneOf.filter((x: Schema) => check(root, x, v, path).length === 0).length !== 1) out.push(`${path}: does not match exactly one of oneOf`);
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${path}: below ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${path}: above ${s.maximum}`);
  }
  if (typeof v === 'string') {
    if (s.pattern && !new RegExp(s.pattern).test(v)) out.push(`${path}: does not match ${s.pattern}`);
    if (s.minLength !== undefined && v.length < s.minLength) out.push(`${path}: shorter than ${s.minLength}`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) out.push(`${path}: fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push(`${path}: more than ${s.maxItems} items`);
    if (s.items) v.forEach((x, i) => out.push(...check(root, s.items, x, `${path}[${i}]`)));
  }
  if (typeOk('object', v)) {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) out.push(`${path}: missing ${r}`);
    for (const [k, x] of Object.entries(o)) {
      if (s.properties?.[k]) out.push(...check(root, s.properties[k], x, `${path}.${k}`));
      else if (s.additionalProperties === false) out.push(`${path}: unexpected ${k}`);
      else if (typeof s.additionalProperties === 'object') out.push(...check(root, s.additionalProperties, x, `${path}.${k}`));
    }
  }
  return out;
}
