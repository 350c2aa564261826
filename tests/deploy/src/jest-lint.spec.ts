import { lintSnippet, lintSnippets } from './lint-snippet';

/**
 * eslint-plugin-jest guards every spec, integration spec, e2e and fault suite: each snippet below, linted as if it
 * stood in the named file, must be refused by the named rule; the allowed ones must pass.
 */

function jestRuleIds(filePath: string, code: string): string[] {
  return lintSnippet(filePath, code)
    .map((m) => m.ruleId ?? '')
    .filter((id) => id.startsWith('jest/'));
}

const REFUSED: Array<[string, string, string]> = [
  ['apps/api/src/x.spec.ts', "it.only('a', () => { expect(1).toBe(1); });", 'jest/no-focused-tests'],
  [
    'libs/ams/src/x.spec.ts',
    "describe.only('d', () => { it('a', () => { expect(1).toBe(1); }); });",
    'jest/no-focused-tests',
  ],
  ['apps/api/src/x.integration.spec.ts', "it.skip('a', () => { expect(1).toBe(1); });", 'jest/no-disabled-tests'],
  ['tests/system/src/x.e2e.ts', "xit('a', () => { expect(1).toBe(1); });", 'jest/no-disabled-tests'],
  [
    'tests/system/src/faults/x.faults.ts',
    "describe.skip('d', () => { it('a', () => { expect(1).toBe(1); }); });",
    'jest/no-disabled-tests',
  ],
  ['apps/alerter/src/x.spec.ts', "it('a', () => { expect(1); });", 'jest/valid-expect'],
  [
    'apps/alerter/src/x.spec.ts',
    "it('a', async () => { expect(Promise.resolve(1)).resolves.toBe(1); });",
    'jest/valid-expect',
  ],
  [
    'libs/db/src/x.integration.spec.ts',
    "it('a', () => { expect(1).toBe(1); }); it('a', () => { expect(2).toBe(2); });",
    'jest/no-identical-title',
  ],
  ['libs/platform/src/x.spec.ts', "it('a', () => { const x = 1 + 1; void x; });", 'jest/expect-expect'],
];

const ALLOWED: Array<[string, string]> = [
  ['apps/api/src/x.spec.ts', "it('a', () => { expect(1).toBe(1); }); it('b', () => { expect(2).toBe(2); });"],
  [
    'apps/api/src/x.integration.spec.ts',
    "import { waitFor } from '@ams/testing'; it('a', async () => { await waitFor(() => true); });",
  ],
  [
    'apps/api/src/x.spec.ts',
    "function expectSorted(xs: number[]) { expect([...xs].sort()).toEqual(xs); } it('a', () => { expectSorted([1, 2]); });",
  ],
  [
    'libs/ams/src/x.spec.ts',
    "import fc from 'fast-check'; it('a', () => { fc.assert(fc.property(fc.integer(), (n) => n === n)); });",
  ],
];

describe('jest lint rules', () => {
  // every snippet in one ESLint process (its config takes seconds to load); each test reads its own result
  beforeAll(() => {
    lintSnippets([...REFUSED, ...ALLOWED].map(([filePath, code]) => ({ filePath, code })));
  }, 120_000);

  it.each(REFUSED)(
    '%s: %s is refused by %s',
    (file, code, rule) => {
      expect(jestRuleIds(file, code)).toContain(rule);
    },
    60_000,
  );

  it.each(ALLOWED)(
    '%s: %s is allowed',
    (file, code) => {
      expect(jestRuleIds(file, code)).toEqual([]);
    },
    60_000,
  );
});
