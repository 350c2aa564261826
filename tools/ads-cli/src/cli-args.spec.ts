import { parseCommand } from './cli-args';
import { UsageError } from './usage-error';

const ARN = 'arn:aws:sqs:us-east-1:123456789012:ams-stream';

function usage(argv: string[]): { argument: string; reason: string } {
  try {
    parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) return { argument: err.argument, reason: err.reason };
    throw err;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('parseCommand', () => {
  it('parses subscribe', () => {
    const c = parseCommand([
      'subscribe',
      '--profile',
      '9007199254740993',
      '--datasets',
      'sp-traffic, sp-conversion,budget-usage',
      '--queue-arn',
      ARN,
      '--notes',
      'prod',
    ]);
    expect(c).toMatchObject({
      name: 'subscribe',
      profileId: '9007199254740993',
      datasets: ['sp-traffic', 'sp-conversion', 'budget-usage'],
      queue: { arn: ARN, region: 'us-east-1', accountId: '123456789012', name: 'ams-stream' },
      notes: 'prod',
      json: false,
      apiUrl: null,
    });
  });

  it('takes options before the command, --json and --api-url without a trailing slash', () => {
    expect(parseCommand(['--api-url', 'http://10.0.0.5:3000/', 'subscriptions', '--json', '--profile', '42'])).toEqual({
      name: 'subscriptions',
      profileId: '42',
      refresh: false,
      apiUrl: 'http://10.0.0.5:3000',
      json: true,
    });
    expect(parseCommand(['--api-url=http://h:1', 'profiles'])).toEqual({
      name: 'profiles',
      apiUrl: 'http://h:1',
      json: false,
    });
  });

  it('takes --refresh for subscriptions', () => {
    expect(parseCommand(['subscriptions', '--refresh'])).toMatchObject({ profileId: null, refresh: true });
  });

  it('is help without a command, with help or with --help', () => {
    expect(parseCommand([]).name).toBe('help');
    expect(parseCommand(['help']).name).toBe('help');
    expect(parseCommand(['subscribe', '--help']).name).toBe('help');
  });

  it('parses queue-policy with the realm from the ARN or --region', () => {
    expect(parseCommand(['queue-policy', '--queue-arn', ARN, '--datasets', 'sp-traffic'])).toMatchObject({
      realm: 'NA',
    });
    expect(
      parseCommand([
        'queue-policy',
        '--queue-arn',
        'arn:aws:sqs:us-west-2:123456789012:q',
        '--datasets',
        'sp-traffic',
        '--region',
        'fe',
      ]),
    ).toMatchObject({ realm: 'FE' });
  });

  it.each([
    [['subscriptions', '--profile', 'abc'], '--profile', 'is not an Amazon profile id'],
    [
      ['subscribe', '--profile', '1', '--datasets', 'sp-trafic', '--queue-arn', ARN],
      '--datasets',
      'unknown dataset "sp-trafic"',
    ],
    [
      ['subscribe', '--profile', '1', '--datasets', 'sp-traffic,sp-traffic', '--queue-arn', ARN],
      '--datasets',
      'listed twice',
    ],
    [['subscribe', '--profile', '1', '--datasets', ' , ', '--queue-arn', ARN], '--datasets', 'no dataset given'],
    [
      [
        'subscribe',
        '--profile',
        '1',
        '--datasets',
        'sp-traffic',
        '--queue-arn',
        'arn:aws:sns:us-east-1:123456789012:t',
      ],
      '--queue-arn',
      'malformed SQS queue ARN',
    ],
    [
      ['subscribe', '--profile', '1', '--datasets', 'sp-traffic', '--queue-arn', 'arn:aws:sqs:us-east-1:1234:q'],
      '--queue-arn',
      'malformed SQS queue ARN',
    ],
    [
      ['subscribe', '--profile', '1', '--datasets', 'sp-traffic', '--queue-arn', `${ARN}.fifo`],
      '--queue-arn',
      'FIFO queue',
    ],
    [
      [
        'subscribe',
        '--profile',
        '1',
        '--datasets',
        'sp-traffic',
        '--queue-arn',
        'arn:aws:sqs:eu-central-1:123456789012:q',
      ],
      '--queue-arn',
      'eu-central-1, where Marketing Stream does not deliver',
    ],
    [['subscribe', '--profile', '1', '--datasets', 'sp-traffic'], '--queue-arn', 'required for subscribe'],
    [
      ['subscribe', '--profile', '1', '--datasets', 'sp-traffic', '--queue-arn', ARN, '--notes', 'x'.repeat(129)],
      '--notes',
      'at most 128',
    ],
    [
      ['queue-policy', '--queue-arn', ARN, '--datasets', 'sp-traffic', '--region', 'APAC'],
      '--region',
      'unknown region "APAC"',
    ],
    [
      ['queue-policy', '--queue-arn', ARN, '--datasets', 'sp-traffic', '--region', 'EU'],
      '--region',
      'EU queues must be in eu-west-1',
    ],
    [['queue-policy', '--datasets', 'sp-traffic'], '--queue-arn', 'required for queue-policy'],
    [['archive'], '--subscription', 'required for archive'],
    [['archive', '--subscription', 'a b'], '--subscription', 'is not a subscription id'],
    [['profiles', '--profile', '1'], '--profile', 'unknown option for profiles'],
    [['profiles', 'extra'], 'extra', 'unexpected argument'],
    [['profile'], 'profile', 'unknown command'],
    [['profiles', '--api-url', 'ftp://x'], '--api-url', 'not an http(s) URL'],
    [['profiles', '--api-url', 'nope'], '--api-url', 'not a URL'],
    [['subscriptions', '--profile'], '--profile', 'needs a value'],
  ])('refuses %j naming %s', (argv, argument, reason) => {
    const e = usage(argv);
    expect(e.argument).toBe(argument);
    expect(e.reason).toContain(reason);
  });
});
