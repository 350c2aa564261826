import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

function findUp(start: string, marker: string): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, marker))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The Nx workspace root: the nearest folder above this file (or, failing that, the cwd) holding nx.json. */
export function workspaceRoot(): string {
  root ??= findUp(__dirname, 'nx.json') ?? findUp(process.cwd(), 'nx.json');
  if (!root) throw new Error(`No nx.json found above ${__dirname} or ${process.cwd()}`);
  return root;
}

function fixturesDir(): string {
  return join(workspaceRoot(), 'libs', 'ams', 'fixtures');
}

/**
 * Absolute path of an AMS example kept in libs/ams/fixtures, by file name (with or without
 * `.json`) or by its two-digit prefix (`'02'`).
 */
export function fixturePath(name: string): string {
  const dir = fixturesDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const match = /^\d{2}$/.test(name)
    ? files.filter((f) => f.startsWith(`${name}-`))
    : files.filter((f) => f === name || f === `${name}.json`);
  if (match.length !== 1) {
    throw new Error(
      `Fixture "${name}" ${match.length ? 'is ambiguous' : 'not found'} in ${dir}; available: ${files.join(', ')}`,
    );
  }
  return join(dir, match[0]);
}

/** The raw file text, exactly what an SQS message body would carry. */
export function fixtureBody(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** The fixture parsed as JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadFixture<T = any>(name: string): T {
  const path = fixturePath(name);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new Error(`Fixture ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The SQS body of one AMS `budget-usage` record at `percentage` % of a campaign's budget, as Amazon sends it (the fault
 * suite's and the automation bench's triggers).
 */
export function budgetUsageBody(r: {
  advertiserId: string;
  marketplaceId: string;
  campaignId: string;
  budget: number;
  percentage: number;
  at?: Date;
}): string {
  return JSON.stringify({
    advertiser_id: r.advertiserId,
    marketplace_id: r.marketplaceId,
    dataset_id: 'budget-usage',
    budget_scope_id: r.campaignId,
    budget_scope_type: 'CAMPAIGN',
    advertising_product_type: 'sp',
    budget: r.budget,
    budget_usage_percentage: r.percentage,
    usage_updated_timestamp: (r.at ?? new Date()).toISOString(),
  });
}
