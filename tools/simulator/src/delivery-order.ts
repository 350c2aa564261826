/** The order and number of times the simulated messages are sent (pure). */
import type { DeliveryOrder } from './cli-options';
import { Rng, hashSeed } from './random';
import type { SimMessage } from './traffic-generator';

export function deliveryPlan(
  messages: SimMessage[],
  opts: { order: DeliveryOrder; repeat: number; seed: number },
): string[] {
  const once = messages.map((m) => m.body);
  const all = Array.from({ length: opts.repeat }, () => once).flat();
  if (opts.order === 'arrival') return all;
  if (opts.order === 'reversed') return all.reverse();
  const rng = new Rng(hashSeed('delivery-order', opts.seed));
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all;
}
