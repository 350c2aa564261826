import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AdsHttpController } from './ads/ads.http.controller';
import { AdsRepository } from './ads/ads.repository';
import { AdvertiserSettingsRepository } from './advertisers/advertiser-settings.repository';
import { AdvertisersHttpController } from './advertisers/advertisers.http.controller';
import { AlertRulesHttpController, AlertsHttpController } from './alerts/alerts.http.controller';
import { AlertsRepository } from './alerts/alerts.repository';
import { ApiKeysHttpController } from './api-keys/api-keys.http.controller';
import { ActionRulesHttpController } from './automation/action-rules.http.controller';
import { ActionsHttpController } from './automation/actions.http.controller';
import { ActionsRepository } from './automation/actions.repository';
import { AutomationHttpController } from './automation/automation.http.controller';
import { AutomationRepository } from './automation/automation.repository';
import { AuditHttpController } from './audit/audit.http.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditRepository } from './audit/audit.repository';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysRepository } from './auth/api-keys.repository';
import { AuthFailureLimiter } from './auth/auth-failures';
import { BudgetsHttpController } from './budgets/budgets.http.controller';
import { BudgetsRepository } from './budgets/budgets.repository';
import { CampaignsHttpController } from './campaigns/campaigns.http.controller';
import { CampaignsRepository } from './campaigns/campaigns.repository';
import { DashboardProviders, DashboardControllers } from './dashboard/dashboard.providers';
import { DeadLettersHttpController } from './dead-letters/dead-letters.http.controller';
import { PipelineStatusClient } from './dead-letters/pipeline-status.client';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { SlidingLogThrottlerStorage } from './common/sliding-log.storage';
import { ThrottledGuard } from './common/throttled.guard';
import { ApiEnv } from './config/api.env';
import { EventsHttpController } from './events/events.http.controller';
import { LiveEventsRepository } from './events/live-events.repository';
import { LiveEventsService } from './events/live-events.service';
import { ForecastsHttpController } from './forecasts/forecasts.http.controller';
import { ForecastsRepository } from './forecasts/forecasts.repository';
import { ForecastsService } from './forecasts/forecasts.service';
import { IntegrationsHttpController } from './health/integrations.http.controller';
import { PerformanceHttpController } from './performance/performance.http.controller';
import { PerformanceCache } from './performance/performance.cache';
import { PerformanceEventsController } from './performance/performance.events.controller';
import { PerformanceRepository } from './performance/performance.repository';
import { PerformanceService } from './performance/performance.service';
import { QuarantineHttpController } from './quarantine/quarantine.http.controller';
import { QuarantineRepository } from './quarantine/quarantine.repository';
import { ReplayHttpController } from './replay/replay.http.controller';
import { SubscriptionsHttpController } from './subscriptions/subscriptions.http.controller';
import { SubscriptionsRepository } from './subscriptions/subscriptions.repository';

/** The REST surface: /v1 resources (bearer key with a scope, rate limited, changes audited) and GET /health. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ApiEnv],
      useFactory: (env: ApiEnv) => ({
        throttlers: [{ ttl: 60_000, limit: env.API_RATE_LIMIT_PER_MINUTE }],
        storage: new SlidingLogThrottlerStorage(),
      }),
    }),
  ],
  controllers: [
    PerformanceHttpController,
    CampaignsHttpController,
    BudgetsHttpController,
    ForecastsHttpController,
    QuarantineHttpController,
    SubscriptionsHttpController,
    IntegrationsHttpController,
    AdvertisersHttpController,
    AlertsHttpController,
    AlertRulesHttpController,
    ReplayHttpController,
    ApiKeysHttpController,
    AuditHttpController,
    DeadLettersHttpController,
    AdsHttpController,
    ActionRulesHttpController,
    ActionsHttpController,
    AutomationHttpController,
    EventsHttpController,
    ...DashboardControllers,
  ],
  providers: [
    ApiKeysRepository,
    AuthFailureLimiter,
    ApiKeyGuard,
    AuditRepository,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    ThrottledGuard,
    PerformanceRepository,
    PerformanceService,
    {
      provide: PerformanceCache,
      inject: [ApiEnv],
      useFactory: (env: ApiEnv) =>
        new PerformanceCache({
          maxEntries: env.API_CACHE_MAX_ENTRIES,
          maxBytes: env.API_CACHE_MAX_MB * 1024 * 1024,
          ttlMs: env.API_CACHE_TTL_SECONDS * 1000,
        }),
    },
    PerformanceEventsController,
    CampaignsRepository,
    AlertsRepository,
    AdvertiserSettingsRepository,
    BudgetsRepository,
    ForecastsRepository,
    ForecastsService,
    QuarantineRepository,
    SubscriptionsRepository,
    PipelineStatusClient,
    AdsRepository,
    ActionsRepository,
    AutomationRepository,
    LiveEventsRepository,
    LiveEventsService,
    ...DashboardProviders,
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
  ],
})
export class V1Module {}
