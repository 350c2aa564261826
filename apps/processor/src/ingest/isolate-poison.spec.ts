import { classifyDbError, dbErrorReason } from './db-errors';
import { writeIsolating } from './isolate-poison';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('classifyDbError', () => {
  it.each([
    ['22003', 'numeric value out of range'],
    ['22P02', 'invalid text representation'],
    ['22001', 'string too long'],
    ['23514', 'check violation'],
    ['23502', 'not-null violation'],
    ['54000', 'index row too large'],
  ])("%s (%s) is the record's fault", (code) => {
    expect(classifyDbError(pgError(code))).toBe('record');
  });

  it.each([
    ['08006', 'connection failure'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['55P03', 'lock timeout'],
    ['57P01', 'admin shutdown'],
    ['57014', 'statement timeout'],
    ['53300', 'too many connections'],
    ['42P01', 'undefined table (our bug, not the record)'],
  ])('%s (%s) is transient: the batch is retried whole', (code) => {
    expect(classifyDbError(pgError(code))).toBe('transient');
  });

  it('treats errors without a SQLSTATE (socket, pool timeout) as transient', () => {
    expect(classifyDbError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('transient');
    expect(classifyDbError(new Error('timeout exceeded when trying to connect'))).toBe('transient');
    expect(classifyDbError(undefined)).toBe('transient');
  });

  it('states SQLSTATE, message, table, column and constraint in the reason', () => {
    const err = Object.assign(pgError('23514', 'new row violates check constraint "c"'), {
      table: 'performance_delta',
      constraint: 'c',
    });
    expect(dbErrorReason(err)).toBe(
      'PostgreSQL 23514: new row violates check constraint "c"; table performance_delta; constraint c',
    );
  });
});

describe('writeIsolating', () => {
  /** a "database" that refuses any write containing a bad unit, and records the writes it accepted */
  function db(bad: Set<number>, error = pgError('22003')) {
    const accepted: number[][] = [];
    const quarantined: number[] = [];
    return {
      accepted,
      quarantined,
      ops: {
        write: async (units: number[]) => {
          if (units.some((u) => bad.has(u))) throw error;
          accepted.push(units);
          return units.length;
        },
        isPoison: (err: unknown) => classifyDbError(err) === 'record',
        quarantine: async (u: number) => {
          quarantined.push(u);
        },
      },
    };
  }
  const units = Array.from({ length: 10 }, (_, i) => i);

  it('writes a clean batch in one write', async () => {
    const d = db(new Set());
    const out = await writeIsolating(units, d.ops);
    expect(d.accepted).toEqual([units]);
    expect(out.quarantined).toEqual([]);
  });

  it('stores every good unit exactly once and quarantines exactly the bad ones', async () => {
    const d = db(new Set([3, 8]));
    const out = await writeIsolating(units, d.ops);
    expect(d.accepted.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 7, 9]);
    expect(d.quarantined).toEqual([3, 8]);
    expect(out.quarantined).toEqual([3, 8]);
    expect(out.written.flatMap((w) => w.units).sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 7, 9]);
  });

  it('rethrows a transient error without splitting or quarantining', async () => {
    const d = db(new Set([3]), pgError('40P01', 'deadlock detected'));
    await expect(writeIsolating(units, d.ops)).rejects.toThrow('deadlock detected');
    expect(d.accepted).toEqual([]);
    expect(d.quarantined).toEqual([]);
  });
});
