/** What `validateRecord` answers: a record and its dedup key, or a quarantine code with a reason. */
import type { AmsRecord } from './record-types';

export type QuarantineCode =
  | 'not-json'
  | 'too-large'
  | 'not-an-object'
  | 'unknown-dataset'
  | 'invalid-record'
  | 'unsupported-message'
  | 'empty';

export const QUARANTINE_CODES: readonly QuarantineCode[] = Object.freeze([
  'not-json',
  'too-large',
  'not-an-object',
  'unknown-dataset',
  'invalid-record',
  'unsupported-message',
  'empty',
] as const);

export type ValidationSuccess = {
  ok: true;
  record: AmsRecord;
  dedupKey: string;
};
export type ValidationFailure = {
  ok: false;
  code: QuarantineCode;
  reason: string;
  datasetId: string | null;
};
export type ValidationResult = ValidationSuccess | ValidationFailure;
