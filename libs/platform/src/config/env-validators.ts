/**
 * class-validator decorators for variables that depend on each other or name a file. Messages name the variables
 * involved, never a value (it may be a secret). Each check runs only when its own variable is set (pair it with
 * @IsOptional()).
 */
import { closeSync, openSync, statSync } from 'node:fs';
import { type ValidationArguments, ValidateBy } from 'class-validator';

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Set only together with `other` (e.g. NATS_USER with NATS_PASSWORD). */
export function RequiresWith(other: string) {
  return ValidateBy({
    name: 'requiresWith',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        isSet((args?.object as Record<string, unknown>)[other]),
      defaultMessage: () => `is set without ${other}`,
    },
  });
}

/** Never set together with any of `others` (one way to authenticate). */
export function ExclusiveWith(...others: string[]) {
  const setOthers = (args?: ValidationArguments) =>
    others.filter((o) => isSet((args?.object as Record<string, unknown>)[o]));
  return ValidateBy({
    name: 'exclusiveWith',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) => setOthers(args).length === 0,
      defaultMessage: (args?: ValidationArguments) =>
        `cannot be combined with ${setOthers(args).join(', ')}: use one way to authenticate`,
    },
  });
}

/** A path to a regular file this process can open for reading. */
export function IsReadableFile() {
  return ValidateBy({
    name: 'isReadableFile',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && readableFileProblem(value) === undefined,
      defaultMessage: (args?: ValidationArguments) =>
        typeof args?.value === 'string'
          ? `${readableFileProblem(args.value) ?? 'cannot be read'}`
          : 'must be a file path',
    },
  });
}

function readableFileProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'is not a regular file';
    closeSync(openSync(path, 'r'));
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'names a file that does not exist'
      : `names a file that cannot be read (${code ?? 'error'})`;
  }
}
