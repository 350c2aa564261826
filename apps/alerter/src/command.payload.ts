import { getMetadataStorage } from 'class-validator';
import { validatePayload } from '@ams/contracts';
import { CommandError } from './command.errors';

/**
 * Validates a command's request against its contract class and refuses fields the command does not
 * know (a misspelt or unchangeable field must not be ignored silently). Throws VALIDATION.
 */
export function commandPayload<T extends object>(cls: new () => T, input: unknown): T {
  const v = validatePayload(cls, input ?? {});
  if (!v.ok) throw new CommandError('VALIDATION', v.reason);
  const known = new Set(getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false).map((m) => m.propertyName));
  const unknown = Object.keys(input as object).filter((k) => !known.has(k));
  if (unknown.length) throw new CommandError('VALIDATION', unknown.map((k) => `${k}: is not a field of this command`).join('; '));
  return v.value;
}
