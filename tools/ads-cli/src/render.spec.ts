import type { StreamSubscriptionCreateReplyV1 } from '@ams/contracts';
import { renderConnection, renderProfiles, renderSubscribeResult, renderSubscriptions, table } from './render';

const reply: StreamSubscriptionCreateReplyV1 = {
  profileId: '9007199254740993',
  destinationArn: 'arn:aws:sqs:eu-west-1:123456789012:ams-eu',
  results: [
    {
      dataSetId: 'sp-traffic',
      outcome: 'created',
      subscriptionId: 'amzn1.fead.cs1.new',
      status: 'PENDING_CONFIRMATION',
    },
    { dataSetId: 'sp-conversion', outcome: 'reused', subscriptionId: 'amzn1.fead.cs1.old', status: 'ACTIVE' },
    {
      dataSetId: 'budget-usage',
      outcome: 'failed',
      error: {
        status: 400,
        code: 'BAD_REQUEST',
        message: 'destination is not in the right region',
        requestId: 'req-1',
      },
    },
  ],
};

describe('renderSubscribeResult', () => {
  const text = renderSubscribeResult(reply);
  const lines = text.split('\n');

  it('prints one row per dataset with its outcome, id and status, or the Amazon error', () => {
    expect(lines).toContain('DATASET        OUTCOME  SUBSCRIPTION / ERROR');
    expect(lines).toContain('sp-traffic     created  amzn1.fead.cs1.new  PENDING_CONFIRMATION');
    expect(lines).toContain('sp-conversion  reused   amzn1.fead.cs1.old  ACTIVE');
    expect(lines).toContain(
      'budget-usage   failed   BAD_REQUEST: destination is not in the right region (HTTP 400, request id req-1)',
    );
  });

  it('sums the outcomes and says what comes next', () => {
    expect(text).toContain('1 created, 1 reused, 1 failed.');
    expect(text).toContain('npm run ads -- subscriptions --profile 9007199254740993');
    expect(text).toContain('run the same command again');
  });

  it('does not suggest a retry when nothing failed, nor confirmation when everything failed', () => {
    const ok = renderSubscribeResult({ ...reply, results: reply.results.slice(0, 2) });
    expect(ok).not.toContain('run the same command again');
    const bad = renderSubscribeResult({ ...reply, results: [{ dataSetId: 'sp-traffic', outcome: 'failed' }] });
    expect(bad).toContain('sp-traffic  failed   failed');
    expect(bad).not.toContain('confirmation');
  });
});

describe('renderConnection', () => {
  it('prints the fields, each sync and what to do when re-authorisation is needed', () => {
    const out = renderConnection({
      configured: true,
      region: 'NA',
      state: 'needs_reauthorization',
      lastError: 'invalid_grant',
      syncs: [{ kind: 'profiles', scope: 'all', status: 'failed', finishedAt: 'T1', lastSuccessAt: 'T0', error: 'x' }],
    });
    expect(out.split('\n')).toEqual(
      expect.arrayContaining([
        'state       needs_reauthorization',
        'SYNC      SCOPE  STATUS  FINISHED  LAST SUCCESS  ERROR',
        'profiles  all    failed  T1        T0            x',
      ]),
    );
    expect(out).toContain('consent again');
  });
});

describe('tables', () => {
  it('pads by characters (names in Japanese included) and shows missing values as -', () => {
    expect(
      table(
        ['A', 'B', 'C'],
        [
          ['イヤホン', null, 'x'],
          ['b', 'long', ''],
        ],
      ),
    ).toBe(['A     B     C', 'イヤホン  -     x', 'b     long  -'].join('\n'));
  });

  it('renders profiles with their time zone and says what to do when there are none', () => {
    const out = renderProfiles([
      {
        profileId: '3333333333333333',
        advertiserId: 'ENTITY1',
        marketplaceId: 'A1VC38T7YXB528',
        countryCode: 'JP',
        currencyCode: 'JPY',
        timeZone: 'Asia/Tokyo',
        accountType: 'seller',
        name: 'Tokyo shop',
        region: 'FE',
        active: true,
        syncedAt: '2026-12-07T10:00:00.000Z',
      },
    ]);
    expect(out.split('\n')[1]).toBe(
      '3333333333333333  ENTITY1     FE      JP       JPY       Asia/Tokyo  seller  yes     2026-12-07T10:00:00.000Z  Tokyo shop',
    );
    expect(renderProfiles([])).toContain('npm run ads -- sync');
  });

  it('explains SUSPENDED subscriptions', () => {
    const out = renderSubscriptions([
      { subscriptionId: 's1', profileId: '1', dataSetId: 'sp-traffic', status: 'SUSPENDED', statusSince: 'T' },
    ]);
    expect(out).toContain('s1            1        sp-traffic  SUSPENDED  T      -');
    expect(out).toContain('archive it and subscribe again');
  });
});
