import fc from 'fast-check';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@ams/testing';
import { pgArrayLiteral } from './pg-array';

describe('pgArrayLiteral', () => {
  it('writes nulls bare, strings quoted with " and \\ escaped, numbers as they print', () => {
    expect(pgArrayLiteral(['a', null, 'say "hi"', 'C:\\x', '', 'NULL', -420, undefined])).toBe(
      '{"a",NULL,"say \\"hi\\"","C:\\\\x","","NULL",-420,NULL}',
    );
    expect(pgArrayLiteral([])).toBe('{}');
    expect(() => pgArrayLiteral([Number.NaN])).toThrow(RangeError);
  });

  describe('read back by a real PostgreSQL', () => {
    let db: TestDatabase;
    let pg: Client;
    beforeAll(async () => {
      db = await createTestDatabase({ migrate: false });
      pg = new Client({ connectionString: db.url });
      await pg.connect();
    });
    afterAll(async () => {
      await pg?.end();
      await db?.drop();
    });

    it('gives back exactly the values written, whatever their characters (text[], smallint[], numeric[])', async () => {
      // PostgreSQL text holds any character but NUL
      const text = fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.constantFrom('NULL', '{}', ' x ', '"', '\\', ',', '{a,b}'),
      );
      const noNul = text.map((s) => s.replace(/\0/g, ''));
      await fc.assert(
        fc.asyncProperty(fc.array(fc.option(noNul, { nil: null }), { maxLength: 40 }), async (values) => {
          const { rows } = await pg.query<{ a: Array<string | null> }>('SELECT $1::text[] AS a', [
            pgArrayLiteral(values),
          ]);
          expect(rows[0].a).toEqual(values);
        }),
        { numRuns: 300 },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 40 }), async (values) => {
          const { rows } = await pg.query<{ a: number[] }>('SELECT $1::smallint[] AS a', [pgArrayLiteral(values)]);
          expect(rows[0].a).toEqual(values);
        }),
        { numRuns: 100 },
      );
      const money = fc.tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 99 }));
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            money.map(([u, c]) => `${u}.${String(c).padStart(2, '0')}`),
            { maxLength: 40 },
          ),
          async (values) => {
            const { rows } = await pg.query<{ a: string[] }>('SELECT $1::numeric[]::text[] AS a', [
              pgArrayLiteral(values),
            ]);
            expect(rows[0].a).toEqual(values);
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});
