import type { StreamSubscription } from '@ams/ads-api';
import { planSubscriptions } from './subscription-plan.logic';

const ARN = 'arn:aws:sqs:us-east-1:123456789012:q';
const sub = (over: Partial<StreamSubscription>): StreamSubscription =>
  ({
    subscriptionId: 's',
    dataSetId: 'sp-traffic',
    status: 'ACTIVE',
    destinationArn: ARN,
    ...over,
  }) as StreamSubscription;

describe('planSubscriptions', () => {
  it('reuses a non-archived subscription of the same dataset and destination, creates the rest', () => {
    const existing = [
      sub({ subscriptionId: 'a', dataSetId: 'sp-traffic', status: 'PENDING_CONFIRMATION' }),
      sub({ subscriptionId: 'b', dataSetId: 'budget-usage', status: 'ARCHIVED' }),
      sub({ subscriptionId: 'c', dataSetId: 'sp-conversion', destinationArn: `${ARN}-other` }),
      sub({
        subscriptionId: 'd',
        dataSetId: 'campaigns',
        destinationArn: undefined,
        destination: { sqsDestination: { queueArn: ARN } },
      }),
    ];
    const plan = planSubscriptions(existing, ['sp-traffic', 'budget-usage', 'sp-conversion', 'campaigns'], ARN);
    expect(
      plan.map((s) => [s.dataSetId, s.action, s.action === 'reuse' ? s.subscription.subscriptionId : null]),
    ).toEqual([
      ['sp-traffic', 'reuse', 'a'],
      ['budget-usage', 'create', null],
      ['sp-conversion', 'create', null],
      ['campaigns', 'reuse', 'd'],
    ]);
  });
});
