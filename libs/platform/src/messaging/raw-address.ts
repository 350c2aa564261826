import type { Address } from '@ams/contracts';

/**
 * An address outside the message catalog, for the messaging module's own specs and benchmark (test streams such as
 * `dedup.x`). Deliberately not exported from `@ams/platform`: apps publish to catalog descriptors only.
 */
export function rawAddress<T = unknown>(subject: string): Address<T> {
  return { subject };
}
