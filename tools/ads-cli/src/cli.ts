/**
 * `npm run ads -- <command>`: runs one command and returns the exit code. Every failure is one line on stderr:
 * a bad argument (64) names the argument and the reason, an api error (1) its code and message, an unreachable api
 * 69, a missing key 78. Never a stack trace.
 */
import type { AdsProfilesSyncReplyV1, StreamSubscriptionCreateReplyV1 } from '@ams/contracts';
import { ApiClient, ApiError, ConfigError, resolveTarget, type Env } from './api-client';
import { USAGE, parseCommand, type Command } from './cli-args';
import { buildQueuePolicy } from './queue-policy';
import {
  renderArchived,
  renderConnection,
  renderProfiles,
  renderSubscribeResult,
  renderSubscriptions,
  renderSync,
  type AdsProfileItem,
  type SubscriptionItem,
} from './render';
import { UsageError } from './usage-error';

export const EXIT_OK = 0;
export const EXIT_API = 1;
export const EXIT_USAGE = 64;
export const EXIT_UNAVAILABLE = 69;
export const EXIT_CONFIG = 78;

export interface CliIo {
  env: Env;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  fetch?: typeof fetch;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.argument}: ${err.reason}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  try {
    return await execute(cmd, io);
  } catch (err) {
    if (err instanceof ApiError) {
      const where = err.status ? `HTTP ${err.status} ` : '';
      const id = err.errorId ? ` (error id ${err.errorId})` : '';
      io.err(`error: ${where}${err.code}: ${err.message}${id}\n`);
      return err.status === 0 ? EXIT_UNAVAILABLE : EXIT_API;
    }
    if (err instanceof ConfigError) {
      io.err(`error: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_API;
  }
}

async function execute(cmd: Command, io: CliIo): Promise<number> {
  if (cmd.name === 'help') {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (cmd.name === 'queue-policy') {
    // offline: always JSON, ready for `aws sqs set-queue-attributes`
    io.out(json(buildQueuePolicy(cmd.queue, cmd.datasets, cmd.realm)));
    return EXIT_OK;
  }
  const api = new ApiClient(resolveTarget(cmd.apiUrl, io.env, io.cwd), io.fetch);
  switch (cmd.name) {
    case 'connection': {
      const conn = await api.request<Record<string, unknown>>('/v1/ads/connection');
      io.out(cmd.json ? json(conn) : renderConnection(conn));
      return EXIT_OK;
    }
    case 'profiles': {
      const items = await api.list<AdsProfileItem>('/v1/ads/profiles', {}, 'profiles');
      io.out(cmd.json ? json(items) : renderProfiles(items));
      return EXIT_OK;
    }
    case 'sync': {
      const reply = await api.request<AdsProfilesSyncReplyV1>('/v1/ads/profiles/sync', { method: 'POST', body: {} });
      io.out(cmd.json ? json(reply) : renderSync(reply));
      return EXIT_OK;
    }
    case 'subscriptions': {
      const items = await api.list<SubscriptionItem>(
        '/v1/ads/stream-subscriptions',
        { profileId: cmd.profileId ?? undefined, refresh: cmd.refresh ? 'true' : undefined },
        'subscriptions',
      );
      io.out(cmd.json ? json(items) : renderSubscriptions(items));
      return EXIT_OK;
    }
    case 'subscribe': {
      const reply = await api.request<StreamSubscriptionCreateReplyV1>('/v1/ads/stream-subscriptions', {
        method: 'POST',
        body: {
          profileId: cmd.profileId,
          dataSetIds: cmd.datasets,
          destinationArn: cmd.queue.arn,
          ...(cmd.notes !== null ? { notes: cmd.notes } : {}),
        },
        // one Amazon call per dataset, each with retries on the connector's side
        timeoutMs: 120_000,
      });
      io.out(cmd.json ? json(reply) : renderSubscribeResult(reply));
      return reply.results.some((r) => r.outcome === 'failed') ? EXIT_API : EXIT_OK;
    }
    case 'archive': {
      const reply = await api.request<unknown>(
        `/v1/ads/stream-subscriptions/${encodeURIComponent(cmd.subscriptionId)}`,
        { method: 'DELETE' },
      );
      io.out(cmd.json ? json(reply) : renderArchived(cmd.subscriptionId, reply));
      return EXIT_OK;
    }
  }
}
