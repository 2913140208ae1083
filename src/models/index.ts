/**
 * popoto-ts/models: Popoto-style models on Redis, stored in Popoto's own layout so that a
 * TypeScript service and a Python Popoto service can share one Redis.
 */
export { AutoKeyField, Field, KeyField, SortedField } from './fields.js';
export type {
  AnyFieldSpec,
  FieldDefault,
  FieldKind,
  FieldMap,
  FieldOptions,
  FieldSpec,
  KeyFieldOptions,
  SortedFieldOptions,
  ValueOf,
} from './fields.js';
export type { FieldType, FieldTypes, FieldTypeDefinition, SortableType, SortedIndex } from './field-types.js';
export { defineModel, type ModelClass, type ModelInstance, type ModelMethods, type ModelOptions } from './model.js';
export { Query } from './query.js';
export type { CreateValues, FilterParams, Instance, KeyNames, KeyValues, SaveOptions, SortedNames } from './types.js';
export { ModelValidationError, ModelWriteError } from './errors.js';
export { escapeKeyPart, unescapeKeyPart } from './keys.js';
export { parsePythonDatetime as datetimeFromIso } from './datetime.js';
