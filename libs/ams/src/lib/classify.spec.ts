import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type ClassifiedBody, MAX_BODY_BYTES, classifySqsBody } from './classify';
import type { PerformanceRecord, QuarantineCode } from './validate';
import { QUARANTINE_CODES } from './validate';

const FIXTURES = join(__dirname, '../../fixtures');
const text = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

function records(body: ClassifiedBody) {
  if (body.kind !== 'records') throw new Error(`expected records, got ${JSON.stringify(body)}`);
  return body;
}
function rejected(body: ClassifiedBody, code: QuarantineCode) {
  if (body.kind !== 'rejected') throw new Error(`expected rejected, got ${body.kind}`);
  expect(body.code).toBe(code);
  return body;
}

describe('classifySqsBody — fixtures', () => {
  it('01 subscription confirmation, publisher sp-traffic/NA', () => {
    const c = classifySqsBody(text('01-subscription-confirmation.sqs-body.json'));
    expect(c).toEqual({
      kind: 'subscription-confirmation',
      topicArn: 'arn:aws:sns:us-east-1:906013806264:EXAMPLE-TOPIC-NAME',
      token: expect.stringMatching(/^2336412f37fb/),
      subscribeUrl: expect.stringMatching(/^https:\/\/sns\.us-east-1\.amazonaws\.com\/\?Action=ConfirmSubscription/),
      messageId: '4f1c2a9e-7d0b-4b7e-9a53-2f9f0c6d1e21',
      publisher: {
        dataset: 'sp-traffic',
        realm: 'NA',
        region: 'us-east-1',
        account: '906013806264',
      },
    });
  });

  it('01 confirmation from a foreign topic has publisher null', () => {
    const body = JSON.parse(text('01-subscription-confirmation.sqs-body.json')) as Record<string, unknown>;
    body['TopicArn'] = 'arn:aws:sns:us-east-1:123456789012:evil';
    const c = classifySqsBody(JSON.stringify(body));
    expect(c).toMatchObject({
      kind: 'subscription-confirmation',
      publisher: null,
    });
  });

  it('01 confirmation without Token is rejected', () => {
    const body = JSON.parse(text('01-subscription-confirmation.sqs-body.json')) as Record<string, unknown>;
    delete body['Token'];
    expect(rejected(classifySqsBody(JSON.stringify(body)), 'unsupported-message').reason).toContain('Token');
  });

  it('02 sp-traffic raw body', () => {
    const c = records(classifySqsBody(text('02-sp-traffic.sqs-body.json')));
    expect(c.envelope).toBe('raw');
    expect(c.items).toHaveLength(1);
    expect(c.items[0]).toMatchObject({
      ok: true,
      datasetId: 'sp-traffic',
      dedupKey: 'A1EXAMPLEADV01:e96bfd9b-626b-4f96-9d98-04561b68f233',
      raw: JSON.parse(text('02-sp-traffic.sqs-body.json')),
    });
  });

  it('02/03/04/05/06/07/08 are all accepted', () => {
    for (const [f, ds] of [
      ['03-sp-traffic-restatement-delta.sqs-body.json', 'sp-traffic'],
      ['04-sp-conversion.sqs-body.json', 'sp-conversion'],
      ['05-budget-usage.sqs-body.json', 'budget-usage'],
      ['06-sb-traffic.sqs-body.json', 'sb-traffic'],
      ['07-sd-conversion.sqs-body.json', 'sd-conversion'],
      ['08-campaigns-v1-change-event.sqs-body.json', 'campaigns'],
    ] as const) {
      expect(records(classifySqsBody(text(f))).items[0]).toMatchObject({
        ok: true,
        datasetId: ds,
      });
    }
  });

  it('09 ReceiveMessage response: classify Messages[0].Body', () => {
    const response = JSON.parse(text('09-sqs-receive-message-response.sp-traffic.json')) as {
      Messages: Array<{ Body: string }>;
    };
    const body = response.Messages[0]?.Body as string;
    expect(typeof body).toBe('string');
    const c = records(classifySqsBody(body));
    const direct = records(classifySqsBody(text('02-sp-traffic.sqs-body.json')));
    expect(c.items).toEqual(direct.items);
    // the whole response is not a record
    const whole = records(classifySqsBody(text('09-sqs-receive-message-response.sp-traffic.json')));
    expect(whole.items[0]).toMatchObject({
      ok: false,
      code: 'unknown-dataset',
    });
  });

  it('10 SNS envelope is unwrapped to the same record as 02', () => {
    const c = records(classifySqsBody(text('10-sp-traffic.sns-envelope-variant.UNCONFIRMED.json')));
    expect(c.envelope).toBe('sns-notification');
    const direct = records(classifySqsBody(text('02-sp-traffic.sqs-body.json')));
    expect(c.items).toEqual(direct.items);
    expect((c.items[0] as { record: PerformanceRecord }).record.metrics.cost).toBe('6.93');
  });
});

describe('classifySqsBody — rejections', () => {
  const spTraffic = text('02-sp-traffic.sqs-body.json');

  it('not JSON', () => {
    expect(rejected(classifySqsBody('hello {'), 'not-json').reason).toMatch(/^body: is not JSON/);
    expect(rejected(classifySqsBody(spTraffic.slice(0, -2)), 'not-json')).toBeTruthy();
    // control characters from the input never reach the reason unescaped
    const reason = rejected(classifySqsBody('\u0000\u0001x'), 'not-json').reason;
    expect(reason).toMatch(/^body: is not JSON/);
    expect([...reason].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
  });

  it('empty', () => {
    rejected(classifySqsBody(''), 'empty');
    rejected(classifySqsBody('  \n'), 'empty');
    rejected(classifySqsBody('[]'), 'empty');
  });

  it('a 300 KB body is too large (bytes, not characters)', () => {
    const big = JSON.stringify({
      ...JSON.parse(spTraffic),
      padding: 'x'.repeat(300 * 1024),
    });
    expect(rejected(classifySqsBody(big), 'too-large').reason).toMatch(/^body: is \d+ bytes \(max 262144\)$/);
    expect(MAX_BODY_BYTES).toBe(262_144);
    // 100 000 three-byte characters = 300 000 bytes but only 100 000 UTF-16 units
    const multiByte = JSON.stringify({
      ...JSON.parse(spTraffic),
      padding: '€'.repeat(100_000),
    });
    expect(multiByte.length).toBeLessThan(MAX_BODY_BYTES);
    rejected(classifySqsBody(multiByte), 'too-large');
    // override
    rejected(classifySqsBody(spTraffic, { maxBodyBytes: 100 }), 'too-large');
    expect(classifySqsBody(spTraffic, { maxBodyBytes: spTraffic.length }).kind).toBe('records');
  });

  it('JSON that is not an object or array', () => {
    for (const b of ['1', '"x"', 'null', 'true']) rejected(classifySqsBody(b), 'not-an-object');
  });

  it('other SNS message types', () => {
    const unsub = {
      Type: 'UnsubscribeConfirmation',
      TopicArn: 'arn:aws:sns:us-east-1:906013806264:t',
      Token: 'x',
    };
    expect(rejected(classifySqsBody(JSON.stringify(unsub)), 'unsupported-message').reason).toContain(
      'UnsubscribeConfirmation',
    );
    rejected(classifySqsBody(JSON.stringify({ Type: 'Notification', Message: { a: 1 } })), 'unsupported-message');
    rejected(classifySqsBody(JSON.stringify({ Type: 'Notification', Message: 'not json' })), 'not-json');
    rejected(classifySqsBody(JSON.stringify({ Type: 'Notification', Message: '' })), 'empty');
    const nested = {
      Type: 'Notification',
      Message: JSON.stringify({ Type: 'Notification', Message: spTraffic }),
    };
    rejected(classifySqsBody(JSON.stringify(nested)), 'unsupported-message');
  });

  it('unknown dataset and invalid records are items, not body rejections', () => {
    const c = records(
      classifySqsBody(
        JSON.stringify({
          ...JSON.parse(spTraffic),
          dataset_id: 'sb-clickstream',
        }),
      ),
    );
    expect(c.items[0]).toMatchObject({
      ok: false,
      code: 'unknown-dataset',
      datasetId: 'sb-clickstream',
    });
    const missing = JSON.parse(spTraffic) as Record<string, unknown>;
    delete missing['campaign_id'];
    expect(records(classifySqsBody(JSON.stringify(missing))).items[0]).toMatchObject({
      ok: false,
      code: 'invalid-record',
      reason: 'campaign_id: is required',
      datasetId: 'sp-traffic',
      raw: missing,
    });
  });
});

describe('classifySqsBody — arrays', () => {
  const record = JSON.parse(text('02-sp-traffic.sqs-body.json')) as Record<string, unknown>;

  it('validates each element', () => {
    const c = records(classifySqsBody(JSON.stringify([record, { ...record, clicks: 'seven' }, 5, []])));
    expect(c.envelope).toBe('array');
    expect(c.items.map((i) => (i.ok ? 'ok' : i.code))).toEqual([
      'ok',
      'invalid-record',
      'not-an-object',
      'not-an-object',
    ]);
  });

  it('an array inside an SNS envelope', () => {
    const c = records(
      classifySqsBody(
        JSON.stringify({
          Type: 'Notification',
          Message: JSON.stringify([record]),
        }),
      ),
    );
    expect(c.envelope).toBe('array');
    expect(c.items[0]?.ok).toBe(true);
  });

  it('SNS messages inside an array are unsupported items', () => {
    const c = records(classifySqsBody(JSON.stringify([{ Type: 'Notification', Message: '{}' }])));
    expect(c.items[0]).toMatchObject({
      ok: false,
      code: 'unsupported-message',
    });
  });

  it('caps arrays at 1000 elements', () => {
    expect(records(classifySqsBody(JSON.stringify(Array(1000).fill({}))))).toBeTruthy();
    expect(rejected(classifySqsBody(JSON.stringify(Array(1001).fill({}))), 'too-large').reason).toBe(
      'body: array has 1001 elements (max 1000)',
    );
  });
});

describe('classifySqsBody — hostile input', () => {
  const check = (body: string): void => {
    const c = classifySqsBody(body);
    if (c.kind === 'rejected') {
      expect(QUARANTINE_CODES).toContain(c.code);
      expect(c.reason.length).toBeGreaterThan(0);
    } else if (c.kind === 'records') {
      expect(c.items.length).toBeGreaterThan(0);
      for (const i of c.items) if (!i.ok) expect(i.reason.length).toBeGreaterThan(0);
    }
  };

  it('deep nesting does not blow the stack', () => {
    const depth = 100_000;
    check('['.repeat(depth) + ']'.repeat(depth));
    const deepObject = `{"dataset_id":"sp-traffic","x":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    const c = records(classifySqsBody(deepObject, { maxBodyBytes: 1_000_000 }));
    expect(c.items[0]).toMatchObject({ ok: false, code: 'invalid-record' });
    const deepRecord = JSON.stringify({
      ...JSON.parse(text('02-sp-traffic.sqs-body.json')),
      x: 0,
    }).replace('"x":0', `"x":${'['.repeat(60_000)}${']'.repeat(60_000)}`);
    expect(
      (records(classifySqsBody(deepRecord, { maxBodyBytes: 1_000_000 })).items[0] as { reason: string }).reason,
    ).toMatch(/^x(\[0\])+: is nested too deeply/);
  });

  it('never throws on fc.string()', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), check), {
      numRuns: 2000,
    });
  });

  it('never throws on serialized fc.jsonValue() and fc.anything()', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => check(JSON.stringify(v) ?? 'null')),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.anything(), (v) => {
        let s: string | undefined;
        try {
          s = JSON.stringify(v);
        } catch {
          s = String(typeof v);
        }
        check(s ?? 'undefined');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws when handed a non-string', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const c = classifySqsBody(v as string);
        expect(['rejected', 'records', 'subscription-confirmation']).toContain(c.kind);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on SNS-shaped objects with random fields', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            Type: fc.oneof(
              fc.constantFrom('SubscriptionConfirmation', 'Notification', 'UnsubscribeConfirmation'),
              fc.string(),
            ),
            TopicArn: fc.oneof(fc.string(), fc.constant('arn:aws:sns:us-east-1:906013806264:x'), fc.integer()),
            Token: fc.oneof(fc.string(), fc.integer()),
            Message: fc.oneof(
              fc.string(),
              fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
            ),
            SubscribeURL: fc.oneof(fc.webUrl(), fc.integer()),
          },
          { requiredKeys: [] },
        ),
        (o) => check(JSON.stringify(o)),
      ),
      { numRuns: 2000 },
    );
  });
});
