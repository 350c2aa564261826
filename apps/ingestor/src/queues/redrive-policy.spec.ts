import { nearMaxReceive, parseQueueArn, parseRedrivePolicy } from './redrive-policy';

describe('redrive policy', () => {
  it('reads the RedrivePolicy attribute as SQS returns it (maxReceiveCount as a string or a number)', () => {
    const arn = 'arn:aws:sqs:us-east-1:123456789012:ams-sp-traffic-dlq';
    expect(parseRedrivePolicy(JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: '5' }))).toEqual({
      deadLetterTargetArn: arn,
      maxReceiveCount: 5,
    });
    expect(parseRedrivePolicy(JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 3 }))).toEqual({
      deadLetterTargetArn: arn,
      maxReceiveCount: 3,
    });
    for (const bad of [
      undefined,
      '',
      'not json',
      '{}',
      JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: '0' }),
    ]) {
      expect(parseRedrivePolicy(bad)).toBeUndefined();
    }
  });

  it('splits a queue ARN', () => {
    expect(parseQueueArn('arn:aws:sqs:eu-west-1:000000000000:ams-dlq')).toEqual({
      region: 'eu-west-1',
      account: '000000000000',
      name: 'ams-dlq',
    });
    expect(parseQueueArn('arn:aws:sns:eu-west-1:000000000000:topic')).toBeUndefined();
  });

  it('holds a message whose receive count is within the margin of maxReceiveCount, and none without a policy', () => {
    expect([1, 2, 3, 4, 5].map((n) => nearMaxReceive(n, 5, 2))).toEqual([false, false, true, true, true]);
    expect([4, 5].map((n) => nearMaxReceive(n, 5, 0))).toEqual([false, true]);
    expect(nearMaxReceive(50, undefined, 2)).toBe(false);
  });
});
