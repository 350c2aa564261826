import { CampaignPerformanceService } from './campaign-performance.service';
import { AdvertiserListHttpController, MeHttpController } from './dashboard.http.controller';
import { DashboardRepository } from './dashboard.repository';

/** The web app's read endpoints (/v1/me, /v1/advertisers…), registered by V1Module. */
export const DashboardControllers = [MeHttpController, AdvertiserListHttpController];
export const DashboardProviders = [DashboardRepository, CampaignPerformanceService];
