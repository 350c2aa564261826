/** `npm run ads -- <command> [options]`: the commands and their arguments, parsed and checked (pure). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AmsRealm } from './publisher-accounts';
import { parseDatasets, parseQueueArn, parseRealm, realmForQueue, type QueueArn } from './queue-policy';
import { UsageError } from './usage-error';

export const COMMANDS = [
  'profiles',
  'sync',
  'connection',
  'subscriptions',
  'subscribe',
  'archive',
  'queue-policy',
  'help',
] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface Common {
  /** --api-url; null: API_URL, the running launcher's, or http://127.0.0.1:3000 */
  apiUrl: string | null;
  json: boolean;
}

export type Command =
  | ({ name: 'help' } & Common)
  | ({ name: 'profiles' | 'sync' | 'connection' } & Common)
  | ({ name: 'subscriptions'; profileId: string | null; refresh: boolean } & Common)
  | ({ name: 'subscribe'; profileId: string; datasets: string[]; queue: QueueArn; notes: string | null } & Common)
  | ({ name: 'archive'; subscriptionId: string } & Common)
  | ({ name: 'queue-policy'; queue: QueueArn; datasets: string[]; realm: AmsRealm } & Common);

export const USAGE = `npm run ads -- <command> [options]      (add -s after run, npm run -s ads, for clean --json output)

Set up Amazon Ads: profiles and Marketing Stream subscriptions through the ams-sentinel api, and the SQS queue policy.

  profiles                                   the advertiser profiles the connector synced from Amazon
  sync                                       list the profiles from Amazon now (admin key)
  connection                                 the Ads API connection: configured, region, state, last error
  subscriptions [--profile P] [--refresh]    Marketing Stream subscriptions and their status (--refresh: read
                                             the statuses from Amazon first; operator or admin key)
  subscribe --profile P --datasets D,D --queue-arn ARN [--notes TEXT]
                                             one subscription per dataset to the queue (admin key; idempotent)
  archive --subscription ID                  stop a subscription's delivery (admin key)
  queue-policy --queue-arn ARN --datasets D,D [--region NA|EU|FE]
                                             print the SQS access policy for Amazon's publisher accounts (offline)

Options:
  --api-url URL   the api (default: API_URL, else the running npm start's, else http://127.0.0.1:3000)
  --json          machine-readable output
  -h, --help      this text

The API key is API_KEY, else the running npm start's (.data/launcher/api-key).
Exit codes: 0 done, 1 the api refused or failed (its code and message are printed), 64 a bad argument,
78 no API key found, 69 the api is unreachable.
`;

const COMMON_OPTIONS = {
  'api-url': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OPTIONS: Record<CommandName, ParseArgsConfig['options']> = {
  help: COMMON_OPTIONS,
  profiles: COMMON_OPTIONS,
  sync: COMMON_OPTIONS,
  connection: COMMON_OPTIONS,
  subscriptions: { ...COMMON_OPTIONS, profile: { type: 'string' }, refresh: { type: 'boolean' } },
  subscribe: {
    ...COMMON_OPTIONS,
    profile: { type: 'string' },
    datasets: { type: 'string' },
    'queue-arn': { type: 'string' },
    notes: { type: 'string' },
  },
  archive: { ...COMMON_OPTIONS, subscription: { type: 'string' } },
  'queue-policy': {
    ...COMMON_OPTIONS,
    'queue-arn': { type: 'string' },
    datasets: { type: 'string' },
    region: { type: 'string' },
  },
};

const PROFILE_ID = /^[1-9][0-9]{0,19}$/;

function profileId(value: string): string {
  if (!PROFILE_ID.test(value)) {
    throw new UsageError(
      '--profile',
      `"${value}" is not an Amazon profile id (digits, as npm run ads -- profiles shows)`,
    );
  }
  return value;
}

function apiUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError('--api-url', `"${value}" is not a URL (e.g. http://127.0.0.1:3000)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError('--api-url', `"${value}" is not an http(s) URL`);
  }
  return value.replace(/\/+$/, '');
}

/** Turns node:util's parse errors ("Unknown option '--x'") into a line naming the argument. */
function parseErrorToUsage(err: unknown, command: string): UsageError {
  const e = err as { code?: string; message?: string };
  const arg = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? command;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(arg.split(' ')[0], `unknown option for ${command} (npm run ads -- help)`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(arg.split(' ')[0].split(',').pop()?.trim() ?? arg, 'needs a value');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(arg, `unexpected argument for ${command}`);
    default:
      return new UsageError(command, e.message ?? String(err));
  }
}

const STRING_OPTIONS = new Set(
  Object.values(OPTIONS).flatMap((o) =>
    Object.entries(o ?? {})
      .filter(([, spec]) => spec.type === 'string')
      .map(([k]) => `--${k}`),
  ),
);

/** Where the command word is: the first argument that is neither an option nor an option's value. */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) return i;
    if (STRING_OPTIONS.has(a)) i++;
  }
  return -1;
}

/** Parses argv (after `npm run ads --`). Throws UsageError naming the bad argument. */
export function parseCommand(argv: readonly string[]): Command {
  const first = commandIndex(argv);
  const name = first >= 0 ? argv[first] : 'help';
  if (!(COMMANDS as readonly string[]).includes(name)) {
    throw new UsageError(name, `unknown command (one of ${COMMANDS.join(', ')})`);
  }
  const command = name as CommandName;
  const rest = first >= 0 ? [...argv.slice(0, first), ...argv.slice(first + 1)] : [...argv];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options: OPTIONS[command], strict: true, allowPositionals: false }) as {
      values: Record<string, string | boolean | undefined>;
    });
  } catch (err) {
    throw parseErrorToUsage(err, command);
  }
  const str = (k: string) => values[k] as string | undefined;
  const required = (k: string): string => {
    const v = str(k);
    if (v === undefined || v.trim() === '') throw new UsageError(`--${k}`, `required for ${command}`);
    return v.trim();
  };
  const common: Common = { apiUrl: apiUrl(str('api-url')), json: values['json'] === true };
  if (values['help'] === true || command === 'help') return { name: 'help', ...common };

  switch (command) {
    case 'profiles':
    case 'sync':
    case 'connection':
      return { name: command, ...common };
    case 'subscriptions': {
      const p = str('profile');
      return {
        name: command,
        profileId: p === undefined ? null : profileId(p.trim()),
        refresh: values['refresh'] === true,
        ...common,
      };
    }
    case 'subscribe': {
      const profile = profileId(required('profile'));
      const datasets = parseDatasets(required('datasets'));
      const queue = parseQueueArn(required('queue-arn'));
      realmForQueue(queue); // a queue outside us-east-1, eu-west-1 and us-west-2 can never receive AMS
      const notes = str('notes') ?? null;
      if (notes !== null && notes.length > 128) {
        throw new UsageError('--notes', `at most 128 characters (Amazon's limit), got ${notes.length}`);
      }
      return { name: command, profileId: profile, datasets, queue, notes, ...common };
    }
    case 'archive': {
      const id = required('subscription');
      if (/\s/.test(id) || id.length > 255) {
        throw new UsageError(
          '--subscription',
          `"${id}" is not a subscription id (as npm run ads -- subscriptions shows)`,
        );
      }
      return { name: command, subscriptionId: id, ...common };
    }
    case 'queue-policy': {
      const queue = parseQueueArn(required('queue-arn'));
      const datasets = parseDatasets(required('datasets'));
      const r = str('region');
      const realm = realmForQueue(queue, r === undefined ? undefined : parseRealm(r));
      return { name: command, queue, datasets, realm, ...common };
    }
  }
}
