import type { FieldType } from './codec.js';
import { ModelValidationError } from './errors.js';
import type { AnyFieldSpec } from './fields.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const EXPECTED: Record<FieldType, string> = {
  string: 'a string',
  int: 'a safe integer',
  float: 'a finite number',
  boolean: 'a boolean',
  datetime: 'a valid Date',
  date: 'a valid Date',
  decimal: 'a decimal string such as "10.25"',
  list: 'an array',
  object: 'a plain object',
};

function fits(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return Number.isSafeInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'datetime':
    case 'date':
      return value instanceof Date && !Number.isNaN(value.getTime());
    case 'decimal':
      return typeof value === 'string' && DECIMAL.test(value);
    case 'list':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
  }
}

/** Throws a ModelValidationError unless `value` fits the field (type, and null only when allowed). */
export function checkFieldValue(model: string, field: string, spec: AnyFieldSpec, value: unknown): void {
  if (value === null || value === undefined) {
    if (spec.nullable) return;
    throw new ModelValidationError(
      model,
      field,
      value,
      `${EXPECTED[spec.type as FieldType]} (the field is not nullable)`,
    );
  }
  if (!fits(spec.type as FieldType, value)) {
    throw new ModelValidationError(model, field, value, EXPECTED[spec.type as FieldType]);
  }
  if (spec.kind === 'key' && value === '') {
    throw new ModelValidationError(model, field, value, 'a non-empty string (it is part of the key)');
  }
}

/** The default of a field for a new instance: a fresh value when the default is a function. */
export function defaultOf(spec: AnyFieldSpec): unknown {
  if (!spec.hasDefault || spec.kind === 'autokey') return null;
  const value: unknown = spec.default;
  return typeof value === 'function' ? (value as () => unknown)() : value;
}
