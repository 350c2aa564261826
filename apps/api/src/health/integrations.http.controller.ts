import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PUBLISHER_ACCOUNTS } from '@ams/ams';
import { ApiEnv } from '../config/api.env';
import { PipelineStatusClient } from '../dead-letters/pipeline-status.client';

/**
 * GET /health: which integrations this deployment has configured — names only, never a URL with a
 * secret in it, never a key. No authentication (like /health/live and /health/ready).
 */
@ApiTags('health')
@Controller('health')
export class IntegrationsHttpController {
  constructor(
    private readonly env: ApiEnv,
    private readonly pipeline: PipelineStatusClient,
  ) {}

  @Get()
  async summary() {
    const accounts = Object.values(PUBLISHER_ACCOUNTS).flatMap((byRealm) => Object.values(byRealm));
    const destinations = this.env.SLACK_WEBHOOKS.map((entry) => entry.split('=')[0]?.trim()).filter(Boolean);
    return {
      status: 'ok',
      integrations: {
        sqs: {
          configured: this.env.SQS_QUEUE_URLS.length > 0,
          queues: this.env.SQS_QUEUE_URLS.map((u) => u.slice(u.lastIndexOf('/') + 1)),
          region: this.env.AWS_REGION,
        },
        slack: {
          configured: Boolean(this.env.SLACK_WEBHOOK_URL) || destinations.length > 0,
          defaultDestination: Boolean(this.env.SLACK_WEBHOOK_URL),
          destinations,
        },
        amazonPublisherAllowList: { datasets: Object.keys(PUBLISHER_ACCOUNTS).length, accounts: new Set(accounts).size },
        // queues' and dead-letter queues' depth as an ingestor reads them ("unknown" if none answers)
        pipeline: await this.pipeline.status(),
        auth: { apiKeys: this.env.API_KEYS.length, revokedKeys: this.env.API_REVOKED_KEYS.length, insecure: this.env.API_INSECURE_NO_AUTH },
      },
    };
  }
}
