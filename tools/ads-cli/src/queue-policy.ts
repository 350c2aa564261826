/**
 * `npm run ads -- queue-policy`: the SQS access policy that lets Amazon's Marketing Stream publisher accounts for the
 * given datasets and realm deliver to a queue. Pure (no API call). The statements follow Amazon's CloudFormation
 * template (one `sqs:SendMessage` grant to `sns.amazonaws.com` per dataset, conditioned on `ArnLike aws:SourceArn`
 * = the dataset's SNS topics in that realm, plus `sqs:GetQueueAttributes` for Amazon's reviewer role, which validates
 * the destination when a subscription is created).
 */
import {
  AMS_REALMS,
  KNOWN_DATASETS,
  PUBLISHER_ACCOUNTS,
  REALM_REGION,
  STREAM_REVIEWER_ROLE_ARN,
  isKnownDataset,
  realmOfRegion,
  type AmsRealm,
} from './publisher-accounts';
import { UsageError } from './usage-error';

export interface QueueArn {
  arn: string;
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

const ARN = /^arn:(aws[a-z-]*):sqs:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;

/** Parses an SQS queue ARN; a malformed one, or a FIFO queue (AMS delivers to Standard queues only), is refused. */
export function parseQueueArn(value: string, argument = '--queue-arn'): QueueArn {
  const m = ARN.exec(value.trim());
  if (!m) {
    throw new UsageError(
      argument,
      `malformed SQS queue ARN "${value}" (expected arn:aws:sqs:<region>:<12-digit account>:<queue name>)`,
    );
  }
  const [, partition, region, accountId, name] = m;
  if (name.endsWith('.fifo')) {
    throw new UsageError(argument, `${name} is a FIFO queue: Marketing Stream delivers only to Standard queues`);
  }
  return { arn: value.trim(), partition, region, accountId, name };
}

/** Comma-separated dataset ids, each one Amazon publishes (`sp-traffic,sp-conversion,budget-usage`). */
export function parseDatasets(value: string, argument = '--datasets'): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new UsageError(argument, 'no dataset given (e.g. sp-traffic,sp-conversion,budget-usage)');
  for (const id of ids) {
    if (!isKnownDataset(id)) {
      throw new UsageError(argument, `unknown dataset "${id}" (known: ${KNOWN_DATASETS.join(', ')})`);
    }
  }
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new UsageError(argument, `dataset "${dup}" is listed twice`);
  return ids;
}

export function parseRealm(value: string, argument = '--region'): AmsRealm {
  const r = value.trim().toUpperCase();
  if (!(AMS_REALMS as readonly string[]).includes(r)) {
    throw new UsageError(argument, `unknown region "${value}" (one of ${AMS_REALMS.join(', ')})`);
  }
  return r as AmsRealm;
}

/**
 * The realm a queue serves: `--region` when given (it must match the queue's AWS region), else the one whose AWS
 * region the queue is in (us-east-1 NA, eu-west-1 EU, us-west-2 FE). A queue in any other region cannot receive AMS.
 */
export function realmForQueue(queue: QueueArn, realm?: AmsRealm): AmsRealm {
  const fromArn = realmOfRegion(queue.region);
  const regions = AMS_REALMS.map((r) => `${REALM_REGION[r]} for ${r}`).join(', ');
  if (realm) {
    if (REALM_REGION[realm] !== queue.region) {
      throw new UsageError(
        '--region',
        `${realm} queues must be in ${REALM_REGION[realm]}, but the queue is in ${queue.region} (Amazon refuses the subscription)`,
      );
    }
    return realm;
  }
  if (!fromArn) {
    throw new UsageError(
      '--queue-arn',
      `the queue is in ${queue.region}, where Marketing Stream does not deliver (queues must be in ${regions})`,
    );
  }
  return fromArn;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: { ArnLike: { 'aws:SourceArn': string } };
}

export interface QueuePolicy {
  Version: '2012-10-17';
  Id: string;
  Statement: PolicyStatement[];
}

/** `sp-traffic` → `SpTraffic` (statement ids are alphanumeric). */
function sidPart(dataset: string): string {
  return dataset
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

export function buildQueuePolicy(queue: QueueArn, datasets: readonly string[], realm: AmsRealm): QueuePolicy {
  const region = REALM_REGION[realm];
  return {
    Version: '2012-10-17',
    Id: `ams-sentinel-${queue.name}`,
    Statement: [
      ...datasets.map(
        (d): PolicyStatement => ({
          Sid: `AllowStreamSendMessage${sidPart(d)}`,
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queue.arn,
          Condition: {
            ArnLike: { 'aws:SourceArn': `arn:${queue.partition}:sns:${region}:${PUBLISHER_ACCOUNTS[d][realm]}:*` },
          },
        }),
      ),
      {
        Sid: 'AllowStreamReviewerGetQueueAttributes',
        Effect: 'Allow',
        Principal: { AWS: STREAM_REVIEWER_ROLE_ARN },
        Action: 'sqs:GetQueueAttributes',
        Resource: queue.arn,
      },
    ],
  };
}
