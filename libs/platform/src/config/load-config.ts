import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';

/** A bad environment: names every offending variable, never its value (it may be a secret). */
export class ConfigError extends Error {
  constructor(
    readonly app: string,
    readonly problems: string[],
  ) {
    super(`${app}: invalid environment — ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the app's env class from process.env (or the given record) and validates it. Only the
 * variables the class declares are read; defaults are the class's property initialisers.
 */
export function loadConfig<T extends object>(
  app: string,
  cls: new () => T,
  env: Record<string, string | undefined> = process.env,
): T {
  const defaults = new cls() as Record<string, unknown>;
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const raw = env[key];
    input[key] = raw === undefined || raw === '' ? defaults[key] : raw;
  }
  // also pick up declared-but-undefaulted properties (metadata from class-validator)
  for (const key of declaredProperties(cls)) {
    if (!(key in input)) {
      const raw = env[key];
      input[key] = raw === undefined || raw === '' ? undefined : raw;
    }
  }
  const instance = plainToInstance(cls, input, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  if (errors.length) throw new ConfigError(app, flatten(errors));
  return instance;
}

function declaredProperties(cls: new () => object): string[] {
  // class-validator keeps its metadata in a global storage; read the property names it knows.
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metas.map((m) => m.propertyName))];
}

function flatten(errors: ValidationError[]): string[] {
  return errors.map((e) => {
    const why = Object.values(e.constraints ?? {}).join(', ');
    return `${e.property}: ${why || 'invalid'}`;
  });
}
