import { AMS_REALMS, KNOWN_DATASETS, PUBLISHER_ACCOUNTS, REALM_REGION, type AmsRealm } from './publisher-accounts';
import { buildQueuePolicy, parseQueueArn, realmForQueue } from './queue-policy';

/** RESEARCH.md §1.6 rows for the datasets the pipeline reads, copied by hand: a typo in the table fails here. */
const EXPECTED: Record<string, Record<AmsRealm, string>> = {
  'sp-traffic': { NA: '906013806264', EU: '668473351658', FE: '074266271188' },
  'sp-conversion': { NA: '802324068763', EU: '562877083794', FE: '622939981599' },
  'budget-usage': { NA: '055588217351', EU: '675750596317', FE: '100899330244' },
  campaigns: { NA: '570159413969', EU: '834862128520', FE: '527383333093' },
};
const REVIEWER = 'arn:aws:iam::926844853897:role/ReviewerRole';

/** every 12-digit AWS account id anywhere in the policy */
function accountsIn(policy: unknown): Set<string> {
  return new Set(JSON.stringify(policy).match(/(?<![0-9])[0-9]{12}(?![0-9])/g) ?? []);
}

describe('the publisher accounts table', () => {
  it('holds the research rows of the pipeline datasets exactly', () => {
    for (const [dataset, accounts] of Object.entries(EXPECTED)) expect(PUBLISHER_ACCOUNTS[dataset]).toEqual(accounts);
  });

  it('has a distinct 12-digit account per dataset and realm', () => {
    const all = KNOWN_DATASETS.flatMap((d) => AMS_REALMS.map((r) => PUBLISHER_ACCOUNTS[d][r]));
    expect(all).toHaveLength(KNOWN_DATASETS.length * 3);
    for (const a of all) expect(a).toMatch(/^[0-9]{12}$/);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe.each([
  ['NA', 'arn:aws:sqs:us-east-1:123456789012:ams-na'],
  ['EU', 'arn:aws:sqs:eu-west-1:210987654321:ams-eu'],
] as const)('the queue policy for %s', (realm, arn) => {
  const datasets = ['sp-traffic', 'sp-conversion', 'budget-usage'];
  const queue = parseQueueArn(arn);
  const policy = buildQueuePolicy(queue, datasets, realmForQueue(queue));

  it('takes the realm from the queue region', () => {
    expect(realmForQueue(queue)).toBe(realm);
  });

  it('lets each dataset publisher account of the realm send, through SNS topics of that account only', () => {
    const send = policy.Statement.filter((s) => s.Action === 'sqs:SendMessage');
    expect(send).toHaveLength(datasets.length);
    for (const d of datasets) {
      const s = send.find((x) => x.Condition?.ArnLike['aws:SourceArn'].includes(`:${EXPECTED[d][realm]}:`));
      expect(s).toEqual({
        Sid: expect.stringMatching(/^[A-Za-z0-9]+$/),
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arn,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:sns:${REALM_REGION[realm]}:${EXPECTED[d][realm]}:*` } },
      });
    }
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
  });

  it('names no other account than those, the queue owner and Amazon reviewer role', () => {
    const allowed = new Set([...datasets.map((d) => EXPECTED[d][realm]), queue.accountId, '926844853897']);
    expect([...accountsIn(policy)].sort()).toEqual([...allowed].sort());
    const otherRealms = AMS_REALMS.filter((r) => r !== realm);
    for (const d of datasets) for (const r of otherRealms) expect(accountsIn(policy).has(EXPECTED[d][r])).toBe(false);
  });

  it('has the queue as the Resource of every statement and lets the reviewer read its attributes', () => {
    for (const s of policy.Statement) expect(s.Resource).toBe(arn);
    expect(policy.Statement).toContainEqual({
      Sid: 'AllowStreamReviewerGetQueueAttributes',
      Effect: 'Allow',
      Principal: { AWS: REVIEWER },
      Action: 'sqs:GetQueueAttributes',
      Resource: arn,
    });
    expect(policy.Version).toBe('2012-10-17');
  });
});

describe('the FE realm and explicit regions', () => {
  it('maps us-west-2 to FE and uses the FE accounts', () => {
    const q = parseQueueArn('arn:aws:sqs:us-west-2:123456789012:ams-fe');
    const p = buildQueuePolicy(q, ['sp-traffic'], realmForQueue(q));
    expect(p.Statement[0].Condition?.ArnLike['aws:SourceArn']).toBe('arn:aws:sns:us-west-2:074266271188:*');
  });

  it('accepts --region matching the queue and refuses one that does not', () => {
    const q = parseQueueArn('arn:aws:sqs:eu-west-1:123456789012:q');
    expect(realmForQueue(q, 'EU')).toBe('EU');
    expect(() => realmForQueue(q, 'NA')).toThrow(
      '--region: NA queues must be in us-east-1, but the queue is in eu-west-1',
    );
  });
});
