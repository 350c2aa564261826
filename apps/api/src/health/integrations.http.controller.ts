import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { PUBLISHER_ACCOUNTS } from '@ams/ams';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ApiEnv } from '../config/api.env';
import { PipelineStatusClient, type PipelineStatus } from '../dead-letters/pipeline-status.client';

/**
 * GET /health: which integrations this deployment has configured — never a URL with a secret in it, never a key.
 * No authentication needed (like /health/live and /health/ready); without a valid key (any scope) it says only
 * what is configured, with one it also names the queues, region, Slack destinations and how many keys there are.
 */
@ApiTags('health')
@Controller('health')
export class IntegrationsHttpController {
  constructor(
    private readonly env: ApiEnv,
    private readonly auth: ApiKeyGuard,
    private readonly pipeline: PipelineStatusClient,
  ) {}

  @Get()
  async summary(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const detailed = (await this.auth.tryAuthenticate(req, res)) !== null;
    // queues' and dead-letter queues' depth as an ingestor reads them ("unknown" if none answers)
    const pipeline = await this.pipeline.status();
    const accounts = Object.values(PUBLISHER_ACCOUNTS).flatMap((byRealm) => Object.values(byRealm));
    const destinations = this.env.SLACK_WEBHOOKS.map((entry) => entry.split('=')[0]?.trim()).filter(Boolean);
    const slackConfigured = Boolean(this.env.SLACK_WEBHOOK_URL) || destinations.length > 0;
    if (!detailed) {
      return {
        status: 'ok',
        integrations: {
          sqs: { configured: this.env.SQS_QUEUE_URLS.length > 0 },
          slack: { configured: slackConfigured },
          amazonPublisherAllowList: { datasets: Object.keys(PUBLISHER_ACCOUNTS).length },
          auth: { required: !this.env.API_INSECURE_NO_AUTH },
          pipeline: withoutQueueNames(pipeline),
        },
      };
    }
    return {
      status: 'ok',
      integrations: {
        sqs: {
          configured: this.env.SQS_QUEUE_URLS.length > 0,
          queues: this.env.SQS_QUEUE_URLS.map((u) => u.slice(u.lastIndexOf('/') + 1)),
          region: this.env.AWS_REGION,
        },
        slack: {
          configured: slackConfigured,
          defaultDestination: Boolean(this.env.SLACK_WEBHOOK_URL),
          destinations,
        },
        amazonPublisherAllowList: {
          datasets: Object.keys(PUBLISHER_ACCOUNTS).length,
          accounts: new Set(accounts).size,
        },
        // queues' and dead-letter queues' depth as an ingestor reads them ("unknown" if none answers)
        pipeline,
        auth: {
          apiKeys: this.env.API_KEYS.length,
          operatorKeys: this.env.API_OPERATOR_KEYS.length,
          readKeys: this.env.API_READ_KEYS.length,
          revokedKeys: this.env.API_REVOKED_KEYS.length,
          insecure: this.env.API_INSECURE_NO_AUTH,
        },
      },
    };
  }
}

/** The pipeline's state for a caller without a key: whether it is healthy and how much is dead-lettered, no queue names. */
function withoutQueueNames(pipeline: PipelineStatus): Record<string, unknown> {
  if (pipeline.status === 'unknown') return { status: 'unknown', reason: 'no ingestor answered' };
  const { queues: _queues, ...rest } = pipeline;
  return rest;
}
