import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export type PayloadResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface PayloadValidationOptions {
  /**
   * Refuse fields the contract class does not declare, at any depth (`<path>: is not a field of this <noun>`): a
   * misspelt or unchangeable field must not be ignored silently. The messaging module validates every message it
   * receives this way.
   */
  refuseUnknownFields?: boolean;
  /** what the payload is, in the refusal of an unknown field; default `message` */
  noun?: string;
}

/** Validates an inbound message payload against its contract class: never cast, always check. */
export function validatePayload<T extends object>(
  cls: new () => T,
  input: unknown,
  opts: PayloadValidationOptions = {},
): PayloadResult<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, reason: 'payload: must be a JSON object' };
  }
  const value = plainToInstance(cls, input);
  const strict = opts.refuseUnknownFields === true;
  const errors = validateSync(value, { forbidUnknownValues: false, whitelist: strict, forbidNonWhitelisted: strict });
  if (errors.length === 0) return { ok: true, value };
  const reasons: string[] = [];
  const walk = (errs: typeof errors, path: string) => {
    for (const e of errs) {
      const p = path ? `${path}.${e.property}` : e.property;
      for (const [kind, msg] of Object.entries(e.constraints ?? {})) {
        reasons.push(
          kind === 'whitelistValidation' ? `${p}: is not a field of this ${opts.noun ?? 'message'}` : `${p}: ${msg}`,
        );
      }
      if (e.children?.length) walk(e.children, p);
    }
  };
  walk(errors, '');
  return { ok: false, reason: reasons.join('; ') };
}
