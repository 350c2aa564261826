/** The shapes the web app reads from the REST API (apps/api; only the fields it uses). */

export type Scope = 'read' | 'operator' | 'admin';

export interface Me {
  keyId: string;
  scope: Scope;
  advertiserIds: string[] | null;
}

export interface Advertiser {
  advertiserId: string;
  name: string | null;
  accountType: string | null;
  timeZone: string | null;
  currencyCode: string | null;
  countryCode: string | null;
}

export interface Freshness {
  datasetId: string;
  lastReceivedAt: string | null;
  latestHourStart: string | null;
}

export interface Metrics {
  impressions: number;
  clicks: number;
  cost: string;
  orders: number;
  sales: string;
  units: number;
  ctr: number | null;
  cpc: string | null;
  cvr: number | null;
  acos: number | null;
  roas: number | null;
}

export interface PerformanceRow extends Metrics {
  period: string;
  campaignId?: string;
  adGroupId?: string;
  keywordId?: string;
}

export interface PerformanceResponse {
  data: PerformanceRow[];
  totals: Metrics;
  nextCursor: string | null;
}

export interface DailyValues {
  date: string;
  impressions: number;
  clicks: number;
  cost: string;
  orders: number;
  sales: string;
  units: number;
}

/** A campaign's (ad group's, keyword's) totals over a range: /v1/advertisers/{id}/campaign-performance. */
export interface CampaignPerformance extends Metrics {
  campaignId: string;
  adGroupId?: string;
  keywordId?: string;
  daily: DailyValues[];
}

export interface Campaign {
  advertiserId: string;
  campaignId: string;
  name: string | null;
  state: string | null;
  adProduct: string | null;
  budget: { amount: string; currency: string | null; type: string | null } | null;
}

export interface Budget {
  advertiserId: string;
  budgetScopeType: string;
  budgetScopeId: string;
  budget: string;
  usagePercentage: number;
  usageUpdatedAt: string;
}

export interface Band {
  p10: string;
  p50: string;
  p90: string;
}

export interface BudgetForecast {
  advertiserId: string;
  campaignId: string;
  name: string | null;
  localDate: string;
  asOf: string;
  label: 'on_track' | 'overpacing' | 'underpacing';
  budget: string;
  spentSoFar: string;
  exhausted: boolean;
  exhaustion: { p10: string | null; p50: string | null; p90: string | null };
  daySpend: Band;
  projected: Array<Band & { hour: number; endsAt: string }>;
  estimatedLoss: { cappedAt: string | null; spend: Band; sales: Band } | null;
  /** Amazon's own estimate (sp-budget-recommendations) over its 7-day window; null when none applies */
  amazonEstimate: {
    recommendationTime: string;
    window: { startDate: string; endDate: string };
    suggestedBudget: string;
    missedSales: { lower: string | null; upper: string | null };
    missedClicks: { lower: string | null; upper: string | null };
    missedImpressions: { lower: string | null; upper: string | null };
    percentTimeInBudget: string | null;
    reason: string | null;
  } | null;
}

export interface Alert {
  id: string;
  state: 'firing' | 'resolved';
  severity: 'info' | 'warning' | 'critical';
  rule: { id: string; name: string; metric: string };
  advertiserId: string;
  entity: { type: string; id: string; name: string | null; campaignId: string | null };
  window: { start: string | null; end: string | null; key: string } | null;
  value: string | null;
  baseline: string | null;
  changePct: string | null;
  threshold: string;
  acknowledged: boolean;
  acknowledgedBy: string | null;
  snoozedUntil: string | null;
  firedAt: string;
  resolvedAt: string | null;
  lastNotifiedAt: string | null;
}

export interface AlertDetail extends Alert {
  history: Array<{ id: string; type: string; at: string; value: string | null; threshold: string | null }>;
  notifications: Array<{
    id: string;
    kind: string;
    destination: string;
    status: string;
    attempts: number;
    last_error: string | null;
    created_at: string;
    sent_at: string | null;
  }>;
}

export interface AlertRule {
  id: string;
  defaultKey: string | null;
  name: string;
  metric: string;
  condition: string;
  threshold: string;
  baseline: string | null;
  windowHours: number | null;
  entityLevel: string;
  scopeType: string;
  scopeId: string | null;
  minImpressions: number;
  minClicks: number;
  minSpend: string | null;
  settlingHours: number;
  severity: string;
  destination: string;
  repeatIntervalMinutes: number;
  enabled: boolean;
}

export interface Action {
  id: string;
  kind: string;
  ruleId: string | null;
  ruleName: string | null;
  mode: string;
  state: string;
  advertiserId: string;
  entityType: string;
  entityId: string;
  entityName: string | null;
  campaignId: string | null;
  field: string;
  valueBefore: string;
  valueAsked: string;
  valueAfter: string | null;
  reason: string;
  stateReason: string | null;
  createdAt: string;
  expiresAt: string | null;
  decidedBy: string | null;
  executedAt: string | null;
  revertedByActionId: string | null;
}

export interface ActionRule {
  id: string;
  name: string;
  mode: string;
  entityLevel: string;
  enabled?: boolean;
}

export interface AutomationState {
  enabled: boolean;
  switchEnabled: boolean;
  envEnabled: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
  defaultMaxDailyBudgetIncrease: string;
}

export interface QuarantineItem {
  id: string;
  source: string;
  code: string;
  reason: string;
  datasetId: string | null;
  receivedAt: string;
  status: 'open' | 'replayed';
  replayedAt: string | null;
  replayOutcome: string | null;
  rawBodyBytes: number;
  rawBody: string;
  rawBodyTruncated: boolean;
}

export interface SnsSubscription {
  id: string;
  topicArn: string;
  datasetId: string | null;
  region: string | null;
  outcome: string;
  detail: string | null;
  attemptedAt: string;
}

export interface AdsConnection {
  configured: boolean;
  region: string | null;
  state: string;
  lastTokenRefreshAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  syncs: Array<{ kind: string; scope: string; status: string; finishedAt: string | null; error: string | null }>;
}

export interface StreamSubscription {
  subscriptionId: string;
  profileId: string;
  advertiserId: string | null;
  dataSetId: string;
  status: string;
  statusSince: string | null;
  polledAt: string | null;
}

export interface QueueStatus {
  queue: string;
  depth: { visible: number; notVisible: number; delayed: number; oldestAgeSeconds: number | null } | null;
  deadLetter: { queue: string; visible: number; notVisible: number; delayed: number } | null;
  error?: string;
  checkedAt: string;
}

export interface Health {
  status: string;
  integrations: {
    pipeline:
      | { status: 'ok' | 'degraded'; handOffOpen: boolean; deadLetterMessages: number; queues?: QueueStatus[] }
      | { status: 'unknown'; reason: string };
  };
}
