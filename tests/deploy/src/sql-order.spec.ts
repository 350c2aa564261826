import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/**
 * A query that selects `id::text` (its output column is then named `id`, a text) and sorts `ORDER BY id` sorts the
 * text: '10' before '9'. PostgreSQL resolves a bare ORDER BY name to the output column first. Found in seven
 * repositories (newest run, keyset pages, rule lists); a table-qualified `ORDER BY t.id` sorts the bigint.
 */
export function textSortedIds(sql: string): boolean {
  const selectsTextId = /\bSELECT\b[\s\S]*?(?<![\w.])id::text(?!\s+AS\s+(?!id\b)\w)/i.test(sql);
  const sortsBareId = /\bORDER BY\s+(?:[\w.]+\s*(?:ASC|DESC)?\s*,\s*)*id\b(?!\.)/i.test(sql);
  return selectsTextId && sortsBareId;
}

function templates(text: string): string[] {
  return [...text.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
}

describe('SQL: ids are sorted as numbers', () => {
  it('recognises the mistake and its fix', () => {
    expect(textSortedIds('SELECT id::text, name FROM api_key ORDER BY id LIMIT $1')).toBe(true);
    expect(textSortedIds('SELECT id::text AS id FROM t WHERE x ORDER BY id')).toBe(true);
    expect(textSortedIds('SELECT id::text FROM alert_event ORDER BY at, id')).toBe(true);
    expect(textSortedIds('SELECT id::text, name FROM api_key ORDER BY api_key.id LIMIT $1')).toBe(false);
    expect(textSortedIds('SELECT rule_id::text AS rule_id FROM alert ORDER BY id')).toBe(false);
    expect(textSortedIds('SELECT id, name FROM t ORDER BY id')).toBe(false);
  });

  it('finds no query of the apps and libs that sorts ids as text', () => {
    const files = execFileSync('git', ['ls-files', 'apps', 'libs', 'tools'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((f) =>
      templates(readFileSync(join(ROOT, f), 'utf8'))
        .filter(textSortedIds)
        .map((sql) => `${f}: ${sql.replace(/\s+/g, ' ').slice(0, 120)}`),
    );
    expect(offenders).toEqual([]);
  });
});
