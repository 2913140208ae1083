/**
 * popoto-ts/models: Popoto-style models on Redis, stored in Popoto's own layout so that a
 * TypeScript service and a Python Popoto service can share one Redis.
 */
export {
  AutoKeyField,
  Field,
  GeoField,
  KeyField,
  Relationship,
  SortedField,
  SortedKeyField,
  UniqueKeyField,
} from './fields.js';
export type {
  AnyFieldSpec,
  AutoKeyFieldOptions,
  FieldDefault,
  FieldKind,
  FieldMap,
  FieldOptions,
  FieldSpec,
  GeoFieldOptions,
  KeyFieldOptions,
  RelationshipOptions,
  RelationshipSpec,
  SortedFieldOptions,
  SortedKeyFieldOptions,
  UniqueKeyFieldOptions,
  ValueOf,
} from './fields.js';
export type {
  FieldType,
  FieldTypes,
  FieldTypeDefinition,
  GeoPoint,
  KeyableType,
  PlainFieldType,
  KeyPart,
  SortableType,
  SortedIndex,
} from './field-types.js';
export { defineModel, type ModelClass, type ModelInstance, type ModelMethods, type ModelOptions } from './model.js';
export { Query } from './query.js';
export type {
  AllOptions,
  CreateValues,
  FieldName,
  FilterParams,
  Instance,
  KeyNames,
  KeyValues,
  ModelFields,
  Projection,
  SaveOptions,
  SortedNames,
  UniqueKeyNames,
  UniqueKeyValues,
} from './types.js';
export { ModelValidationError, ModelWriteError, MultipleRecordsError, RecordKeyMismatchError } from './errors.js';
export { PopotoError, type PopotoErrorCode } from '../utils/errors.js';
export { escapeKeyPart, unescapeKeyPart } from './keys.js';
export { parsePythonDatetime as datetimeFromIso } from './datetime.js';
