import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureBody, fixturePath, loadFixture, workspaceRoot } from './fixtures';

const names = [
  '01-subscription-confirmation.sqs-body.json',
  '02-sp-traffic.sqs-body.json',
  '03-sp-traffic-restatement-delta.sqs-body.json',
  '04-sp-conversion.sqs-body.json',
  '05-budget-usage.sqs-body.json',
  '06-sb-traffic.sqs-body.json',
  '07-sd-conversion.sqs-body.json',
  '08-campaigns-v1-change-event.sqs-body.json',
  '09-sqs-receive-message-response.sp-traffic.json',
  '10-sp-traffic.sns-envelope-variant.UNCONFIRMED.json',
  '11-sp-budget-recommendations.sqs-body.json',
];

describe('fixtures', () => {
  it('finds the workspace root', () => {
    expect(existsSync(join(workspaceRoot(), 'nx.json'))).toBe(true);
  });

  it('knows all eleven fixtures', () => {
    const onDisk = readdirSync(join(workspaceRoot(), 'libs', 'ams', 'fixtures')).filter((f) => f.endsWith('.json'));
    expect(onDisk.sort()).toEqual(names);
  });

  it.each(names)('loads and parses %s, by name and by prefix', (name) => {
    const byName = loadFixture<Record<string, unknown>>(name);
    expect(byName).toEqual(expect.any(Object));
    expect(loadFixture(name.slice(0, 2))).toEqual(byName);
    expect(fixtureBody(name)).toBe(readFileSync(fixturePath(name), 'utf8'));
    expect(JSON.parse(fixtureBody(name))).toEqual(byName);
  });

  it('accepts a name without .json', () => {
    expect(fixturePath('02-sp-traffic.sqs-body')).toBe(fixturePath('02'));
  });

  it('names the available fixtures when one is missing', () => {
    expect(() => fixturePath('99')).toThrow(/not found.*01-subscription-confirmation/);
  });
});
