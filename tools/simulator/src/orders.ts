/** The orders behind a conversion record: their attribution windows, units and prices (seeded). */
import type { Rng } from './random';

export interface Order {
  /** the shortest attribution window holding it */
  window: 1 | 7 | 14 | 30;
  units: number;
  salesMinor: number;
  sameSku: boolean;
  newToBrand: boolean;
}

/** `count7d` orders in the 7-day window (70 % of them within a day), plus some only in the 14- and 30-day ones. */
export function makeOrders(rng: Rng, count7d: number, prices: number[]): Order[] {
  const order = (window: Order['window']): Order => {
    const units = rng.chance(0.15) ? 2 : 1;
    return {
      window,
      units,
      salesMinor: units * rng.pick(prices),
      sameSku: rng.chance(0.65),
      newToBrand: rng.chance(0.3),
    };
  };
  const orders: Order[] = [];
  for (let i = 0; i < count7d; i++) orders.push(order(rng.chance(0.7) ? 1 : 7));
  const extra14 = rng.binomial(count7d, 0.08);
  for (let i = 0; i < extra14; i++) orders.push(order(14));
  const extra30 = rng.binomial(count7d + extra14, 0.04);
  for (let i = 0; i < extra30; i++) orders.push(order(30));
  return orders;
}
