import { counter, histogram, LATENCY_BUCKETS } from '@ams/platform';

export const alerterMetrics = {
  evaluationDuration: histogram(
    'ams_alerter_evaluation_duration_seconds',
    'time to evaluate one batch of events (one transaction)',
    ['kind'],
    LATENCY_BUCKETS,
  ),
  judged: counter('ams_alerter_windows_judged_total', 'entity windows judged, by outcome', ['outcome']),
  transitions: counter('ams_alerter_alert_transitions_total', 'alert state changes and reminders', ['type']),
  invalidEvents: counter(
    'ams_alerter_invalid_events_total',
    'events that did not match their contract (acked and skipped)',
    ['subject'],
  ),
  slackRequests: counter('ams_alerter_slack_requests_total', 'POSTs to Slack webhooks by outcome', [
    'destination',
    'outcome',
  ]),
  notifications: counter('ams_alerter_notifications_total', 'outbox entries finished, by final status', ['status']),
  notificationDelay: histogram(
    'ams_alerter_notification_delay_seconds',
    'delay from the state change (outbox write) to delivery',
    [],
    LATENCY_BUCKETS,
  ),
};
