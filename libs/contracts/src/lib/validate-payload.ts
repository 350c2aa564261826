import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export type PayloadResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validates an inbound message payload against its contract class: never cast, always check. */
export function validatePayload<T extends object>(cls: new () => T, input: unknown): PayloadResult<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, reason: 'payload: must be a JSON object' };
  }
  const value = plainToInstance(cls, input);
  const errors = validateSync(value, { forbidUnknownValues: false });
  if (errors.length === 0) return { ok: true, value };
  const reasons: string[] = [];
  const walk = (errs: typeof errors, path: string) => {
    for (const e of errs) {
      const p = path ? `${path}.${e.property}` : e.property;
      for (const msg of Object.values(e.constraints ?? {})) reasons.push(`${p}: ${msg}`);
      if (e.children?.length) walk(e.children, p);
    }
  };
  walk(errors, '');
  return { ok: false, reason: reasons.join('; ') };
}
