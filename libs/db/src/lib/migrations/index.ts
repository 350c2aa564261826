import { InitialSchema1764390000000 } from './1764390000000-initial-schema';
import { IngestControl1764390100000 } from './1764390100000-ingest-control';
import { AdvertiserSettings1764390200000 } from './1764390200000-advertiser-settings';
import { Rollups1764390400000 } from './1764390400000-rollups';
import { Alerting1764391700000 } from './1764391700000-alerting';
import { HourlyFactFillfactor1764392000000 } from './1764392000000-hourly-fact-fillfactor';
import { RollupPending1764392100000 } from './1764392100000-rollup-pending';
import { ApiKeysAudit1764393000000 } from './1764393000000-api-keys-audit';
import { AdsConnector1764394000000 } from './1764394000000-ads-connector';
import { Automation1764395000000 } from './1764395000000-automation';
import { MonthlyPartitions1765100000000 } from './1765100000000-monthly-partitions';
import { ActionUpdatedIndex1765200000000 } from './1765200000000-action-updated-index';
import { BudgetRecommendation1765300000000 } from './1765300000000-budget-recommendation';

/** Every migration, in order. Run by `npm run db:migrate` (and a Job in Kubernetes), never at app start. */
export const MIGRATIONS = [
  InitialSchema1764390000000,
  IngestControl1764390100000,
  AdvertiserSettings1764390200000,
  Rollups1764390400000,
  Alerting1764391700000,
  HourlyFactFillfactor1764392000000,
  RollupPending1764392100000,
  ApiKeysAudit1764393000000,
  AdsConnector1764394000000,
  Automation1764395000000,
  MonthlyPartitions1765100000000,
  ActionUpdatedIndex1765200000000,
  BudgetRecommendation1765300000000,
];
