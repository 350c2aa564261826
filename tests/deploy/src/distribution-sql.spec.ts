import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DISTRIBUTED_TABLES } from '@ams/db';

const ROOT = resolve(__dirname, '../../..');

/**
 * Statements on the tables distributed by advertiser (libs/db distribution.ts) should name the advertiser, or a
 * campaign (one advertiser's), so a distributed PostgreSQL can route them to one shard (docs/scaling.md). A static
 * check over the SQL template strings of the apps and libs: each statement that reads or writes such a table must
 * mention `advertiser_id` or `campaign_id`, or interpolate a helper known to expand to them. The statements that
 * legitimately touch every advertiser are listed below with the reason; a new one fails until it is listed.
 */
const ADVERTISER_HELPERS = [
  /\$\{sameCampaign\(/, // rollup.repository: a.advertiser_id = b.advertiser_id AND a.campaign_id = b.campaign_id
  /\$\{factInDay\(/, // rollup.repository: sameCampaign and the day's hours
  /\$\{keys\}/, // batch-writer: KEY_COLUMNS, advertiser_id first
  /\$\{KEY_COLUMNS\./,
];

/** Statements across advertisers, by a fragment of their text: the reason each is fine (or needs care) on a cluster. */
const ACROSS_ADVERTISERS: Array<[RegExp, string]> = [
  [
    /DELETE FROM rollup_pending WHERE ctid = ANY/,
    'needs care: ctids read in the same transaction; on a cluster, delete by (advertiser_id, campaign_id, local_date, created_at) instead',
  ],
  [/FROM rollup_pending\s*$/, 'the age of the oldest mark: one aggregate over all shards (metrics)'],
];

function templates(text: string): string[] {
  return [...text.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
}

function touchesDistributed(sql: string): string | undefined {
  const m = new RegExp(String.raw`\b(?:FROM|JOIN|INTO|UPDATE)\s+(${DISTRIBUTED_TABLES.join('|')})\b`, 'i').exec(sql);
  return m?.[1];
}

export function unroutedStatements(files: string[]): string[] {
  return files.flatMap((f) =>
    templates(readFileSync(join(ROOT, f), 'utf8'))
      .filter((sql) => touchesDistributed(sql))
      .filter((sql) => !/\badvertiser_id\b|\bcampaign_id\b/.test(sql))
      .filter((sql) => !ADVERTISER_HELPERS.some((h) => h.test(sql)))
      .filter((sql) => !ACROSS_ADVERTISERS.some(([p]) => p.test(sql.trim())))
      .map((sql) => `${f}: ${sql.replace(/\s+/g, ' ').trim().slice(0, 140)}`),
  );
}

describe('SQL on distributed tables names the advertiser (or a campaign of one)', () => {
  it('recognises a statement that would touch every shard', () => {
    expect(touchesDistributed('SELECT sum(clicks) FROM hourly_fact WHERE hour_start > $1')).toBe('hourly_fact');
    expect(touchesDistributed('SELECT 1 FROM api_key')).toBeUndefined();
  });

  it('finds none in the apps and libs but the listed ones (migrations, tests and the maintenance job aside)', () => {
    const files = execFileSync('git', ['ls-files', 'apps', 'libs'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(
        (f) =>
          f.endsWith('.ts') &&
          !f.endsWith('.spec.ts') &&
          !f.includes('/migrations/') && // DDL and backfills over whole tables
          !f.includes('/testing/') &&
          !f.startsWith('apps/aggregator/src/maintenance/') && // retention by time: every shard on purpose
          !f.startsWith('libs/db/src/lib/partitions.ts'),
      );
    expect(files.length).toBeGreaterThan(100);
    expect(unroutedStatements(files)).toEqual([]);
  });
});
