/**
 * The JSON Schema (draft 2020-12) of scenario files for editors, generated from the declarations in
 * steps.ts. docs/scenario.schema.json is its output (`npx tsx src/scenarios/schema.ts > docs/scenario.schema.json`);
 * a test checks the two are equal.
 */
import {DEFAULT_FIELDS, STEPS, TOP_FIELDS, type FieldDef} from './steps.js';

type Json = Record<string, unknown>;

function fieldSchema(f: FieldDef): Json {
  const d = {description: f.description};
  const interpolated = {type: 'string', pattern: '\\$\\{'};
  switch (f.type) {
    case 'string':
      return f.values ? {...d, anyOf: [{enum: [...f.values]}, interpolated]} : {...d, type: 'string'};
    case 'integer':
    case 'number':
      return {...d, anyOf: [{type: f.type, ...(f.min !== undefined ? {minimum: f.min} : {}), ...(f.max !== undefined ? {maximum: f.max} : {})}, interpolated]};
    case 'boolean':
      return {...d, anyOf: [{type: 'boolean'}, interpolated]};
    case 'duration':
      return {...d, anyOf: [{type: 'number', minimum: 0}, {type: 'string', pattern: '^(\\d+(\\.\\d+)?\\s*(ms|s|m)?|.*\\$\\{.*)$'}]};
    case 'layout': {
      const one = {type: 'string', pattern: '^(\\s*\\d+[xX]\\d+[+-]\\d+[+-]\\d+\\s*,?)+$|\\$\\{'};
      return {...d, anyOf: [one, {type: 'array', items: one, minItems: 1, maxItems: 16}]};
    }
    case 'needles':
    case 'strings':
      return {...d, anyOf: [{type: 'string', minLength: 1}, {type: 'array', items: {type: 'string', minLength: 1}, minItems: 1}]};
    case 'point':
    case 'region': {
      const n = f.type === 'point' ? 2 : 4;
      return {...d, type: 'array', items: {anyOf: [{type: 'integer', minimum: 0}, interpolated]}, minItems: n, maxItems: n};
    }
    case 'steps':
      return {...d, $ref: '#/$defs/steps'};
    case 'vars':
      return {...d, type: 'object', additionalProperties: {type: ['string', 'number', 'boolean']}};
  }
}

/** Fields with their old spellings: each alias is a deprecated property, and giving both is invalid. */
function objectOf(fields: Record<string, FieldDef>): Json {
  const entries = Object.entries(fields);
  const both = entries.flatMap(([k, f]) => (f.aliases ?? []).map((a) => ({required: [k, a]})));
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      entries.flatMap(([k, f]) => [[k, fieldSchema(f)], ...(f.aliases ?? []).map((a) => [a, {...fieldSchema(f), description: `Old spelling of ${k}.`, deprecated: true}])]),
    ),
    required: entries.filter(([, f]) => f.required).map(([k]) => k),
    ...(both.length ? {not: {anyOf: both}} : {}),
  };
}

export function scenarioSchema(): Json {
  const stepSchemas = Object.entries(STEPS).map(([name, def]) => {
    const forms: Json[] = [objectOf(def.fields)];
    if (def.scalar) forms.push(fieldSchema(def.fields[def.scalar]!));
    return {
      type: 'object',
      description: def.summary,
      additionalProperties: false,
      required: [name],
      properties: {[name]: forms.length > 1 ? {anyOf: forms} : forms[0]},
    };
  });
  const top = objectOf(TOP_FIELDS);
  (top.properties as Json).defaults = {...objectOf(DEFAULT_FIELDS), description: TOP_FIELDS.defaults!.description};
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'spice-cli scenario',
    description: 'A scenario run by `spice-cli run` (docs/scenarios.md).',
    ...top,
    $defs: {
      step: {oneOf: stepSchemas},
      steps: {type: 'array', items: {$ref: '#/$defs/step'}},
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(JSON.stringify(scenarioSchema(), null, 2) + '\n');
