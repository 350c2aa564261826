/**
 * Writes `units` with `write`, isolating the ones the database refuses: when a write fails with an error `isPoison`
 * says is caused by the data, the units are split in halves and each half written on its own (bisection), down to
 * single units, which go to `quarantine` with the error. Any other error is rethrown untouched (the caller retries
 * the whole batch). Every unit ends in exactly one successful `write` or one `quarantine` call, so with idempotent
 * writes a redelivered batch stores the good units once and quarantines the bad ones once.
 *
 * Cost: one failed write per level of the split, about 2·log2(n) extra transactions for one bad unit in n.
 */
export async function writeIsolating<U, R>(
  units: U[],
  ops: {
    write(units: U[]): Promise<R>;
    isPoison(err: unknown): boolean;
    quarantine(unit: U, err: unknown): Promise<void>;
  },
): Promise<{ written: Array<{ units: U[]; result: R }>; quarantined: U[] }> {
  const out: { written: Array<{ units: U[]; result: R }>; quarantined: U[] } = { written: [], quarantined: [] };
  const run = async (part: U[]): Promise<void> => {
    if (part.length === 0) return;
    try {
      out.written.push({ units: part, result: await ops.write(part) });
    } catch (err) {
      if (!ops.isPoison(err)) throw err;
      if (part.length === 1) {
        await ops.quarantine(part[0], err);
        out.quarantined.push(part[0]);
        return;
      }
      const mid = Math.ceil(part.length / 2);
      await run(part.slice(0, mid));
      await run(part.slice(mid));
    }
  };
  await run(units);
  return out;
}
