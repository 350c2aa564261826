import type { Logger } from '@nestjs/common';
import { type EventDescriptor, validatePayload } from '@ams/contracts';
import { ConsumedEventImpl } from './consumed-message';
import type { ConsumedEvent, ConsumedMessage } from './messaging.types';
import { parseJson } from './nats-codec';

/**
 * The batch handler of a durable consumer of one event: each message is validated against the event's contract class
 * (unknown fields refused) before `handler` sees it. One that does not match can never become valid: it is logged,
 * reported to `onInvalid`, left out of the batch and acknowledged with it. `handler` is not called for a batch with no
 * valid message.
 */
export function validatingHandler<T extends object>(
  event: EventDescriptor<T>,
  handler: (batch: ConsumedEvent<T>[]) => Promise<void>,
  onInvalid: ((reason: string, msg: ConsumedMessage) => void) | undefined,
  logger: Logger,
): (batch: ConsumedMessage[]) => Promise<void> {
  return async (batch) => {
    const valid: ConsumedEvent<T>[] = [];
    for (const msg of batch) {
      const v = validatePayload(event.payload, parseJson(msg.data), { refuseUnknownFields: true, noun: 'event' });
      if (v.ok) {
        valid.push(new ConsumedEventImpl(msg, v.value));
        continue;
      }
      logger.warn(`invalid ${event.subject} (stream seq ${msg.streamSequence}) skipped: ${v.reason}`);
      onInvalid?.(v.reason, msg);
    }
    if (valid.length) await handler(valid);
  };
}
