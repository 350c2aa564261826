import { Controller, Get } from '@nestjs/common';
import { AdsConnectionService } from './ads-connection.service';

/**
 * GET /health: the connector's integration with the Amazon Ads API — configured or not, region, state, last token
 * refresh, last error — never a credential. Like /health/live and /health/ready it needs no key; `/health/ready`
 * judges only PostgreSQL and NATS, so an unconfigured or unauthorised connection never takes the pod out.
 */
@Controller('health')
export class ConnectionHttpController {
  constructor(private readonly connection: AdsConnectionService) {}

  @Get()
  summary() {
    const s = this.connection.snapshot();
    return {
      status: 'ok',
      integrations: {
        adsApi: {
          configured: s.configured,
          status: s.configured ? s.state : 'unconfigured',
          region: s.region,
          lastTokenRefreshAt: s.lastTokenRefreshAt,
          lastError: s.lastError,
          ...(s.configured
            ? {}
            : { hint: 'set ADS_API_CLIENT_ID, ADS_API_CLIENT_SECRET and ADS_API_REFRESH_TOKEN to connect' }),
        },
      },
    };
  }
}
