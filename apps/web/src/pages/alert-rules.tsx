import { useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import type { AlertRule } from '../api/types';
import { Empty, Loaded } from '../components/states';
import { useResource } from '../lib/use-resource';
import { useAdvertiser, useCan } from '../session';

// the alerter's vocabulary (libs/contracts alerting.ts); the API validates it again and names a wrong field
const METRICS = [
  'spend',
  'sales',
  'acos',
  'roas',
  'ctr',
  'cpc',
  'cvr',
  'impressions',
  'clicks',
  'budget_usage',
  'projected_out_of_budget_before',
  'dead_letter_messages',
  'queue_oldest_age_seconds',
  'subscription_failed_hours',
  'subscription_pending_hours',
  'dataset_stale_hours',
  'ads_reauthorization_needed',
];
const CONDITIONS = ['above', 'at_least', 'below', 'at_most', 'increase_pct', 'decrease_pct'];
const BASELINES = ['', 'previous', 'week_ago'];
const WINDOWS = ['', '1', '2', '3', '4', '6', '8', '12', '24', '48', '72', '168'];
const LEVELS = ['campaign', 'advertiser', 'ad_group', 'keyword', 'portfolio', 'queue', 'subscription', 'connection'];
const SCOPES = ['advertiser', 'all', 'campaign', 'ad_group', 'keyword', 'portfolio'];
const SEVERITIES = ['warning', 'critical', 'info'];

/** The form's values, all as text (empty = not sent, the alerter's default). */
export interface RuleForm {
  name: string;
  metric: string;
  condition: string;
  threshold: string;
  baseline: string;
  windowHours: string;
  entityLevel: string;
  scopeType: string;
  scopeId: string;
  minImpressions: string;
  minClicks: string;
  minSpend: string;
  settlingHours: string;
  severity: string;
  destination: string;
  repeatIntervalMinutes: string;
  enabled: boolean;
}

export function emptyForm(advertiserId: string): RuleForm {
  return {
    name: '',
    metric: 'spend',
    condition: 'above',
    threshold: '',
    baseline: '',
    windowHours: '24',
    entityLevel: 'campaign',
    scopeType: 'advertiser',
    scopeId: advertiserId,
    minImpressions: '',
    minClicks: '',
    minSpend: '',
    settlingHours: '',
    severity: 'warning',
    destination: '',
    repeatIntervalMinutes: '',
    enabled: true,
  };
}

function formOf(r: AlertRule): RuleForm {
  const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return {
    name: r.name,
    metric: r.metric,
    condition: r.condition,
    threshold: r.threshold,
    baseline: s(r.baseline),
    windowHours: s(r.windowHours),
    entityLevel: r.entityLevel,
    scopeType: r.scopeType,
    scopeId: s(r.scopeId),
    minImpressions: s(r.minImpressions),
    minClicks: s(r.minClicks),
    minSpend: s(r.minSpend),
    settlingHours: s(r.settlingHours),
    severity: r.severity,
    destination: s(r.destination),
    repeatIntervalMinutes: s(r.repeatIntervalMinutes),
    enabled: r.enabled,
  };
}

const INTEGER_FIELDS = [
  'windowHours',
  'minImpressions',
  'minClicks',
  'settlingHours',
  'repeatIntervalMinutes',
] as const;

/** The request body: empty fields left out (a PATCH then keeps them), numbers as numbers, decimals as strings. */
export function bodyOf(f: RuleForm): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (typeof v === 'boolean') body[k] = v;
    else if (v.trim() === '') continue;
    else if ((INTEGER_FIELDS as readonly string[]).includes(k) && /^-?\d+$/.test(v.trim())) body[k] = Number(v.trim());
    else body[k] = v.trim();
  }
  if (f.scopeType === 'all') delete body['scopeId'];
  return body;
}

/** Rules that concern this advertiser (for every advertiser, or scoped to it); an admin key creates and edits them. */
export default function AlertRules() {
  const { params } = useRoute();
  const advertiserId = params['advertiserId'];
  const adv = useAdvertiser(advertiserId);
  const canEdit = useCan('admin');
  const [editing, setEditing] = useState<AlertRule | 'new' | undefined>();
  const r = useResource((signal) => api<{ data: AlertRule[] }>('/v1/alert-rules', { signal }), []);

  useEffect(() => {
    document.title = `Alert rules · ${adv.name ?? advertiserId} · ams-sentinel`;
  }, [advertiserId, adv.name]);

  return (
    <section>
      <h1>Alert rules</h1>
      {canEdit && editing === undefined ? (
        <p>
          <button type="button" onClick={() => setEditing('new')}>
            New rule
          </button>
        </p>
      ) : null}
      {canEdit && editing !== undefined ? (
        <RuleEditor
          key={editing === 'new' ? 'new' : editing.id}
          rule={editing === 'new' ? undefined : editing}
          advertiserId={advertiserId}
          onDone={() => {
            setEditing(undefined);
            r.reload();
          }}
          onCancel={() => setEditing(undefined)}
        />
      ) : null}
      <Loaded r={r}>
        {(d) => {
          const rows = d.data.filter((x) => x.scopeType !== 'advertiser' || x.scopeId === advertiserId);
          if (!rows.length) return <Empty>No rule applies to this advertiser.</Empty>;
          return (
            <div class="table-wrap">
              <table>
                <caption>Rules for this advertiser ({rows.length})</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Condition</th>
                    <th scope="col">Window</th>
                    <th scope="col">Applies to</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Enabled</th>
                    {canEdit ? <th scope="col">Edit</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((x) => (
                    <tr key={x.id}>
                      <th scope="row">{x.name}</th>
                      <td>
                        {x.metric} {x.condition.replace('_', ' ')} {x.threshold}
                        {x.baseline ? ` (vs ${x.baseline})` : ''}
                      </td>
                      <td>{x.windowHours ? `${x.windowHours} h` : '—'}</td>
                      <td>
                        {x.entityLevel}s of{' '}
                        {x.scopeType === 'all' ? 'every advertiser' : `${x.scopeType} ${x.scopeId ?? ''}`}
                      </td>
                      <td>{x.severity}</td>
                      <td>{x.enabled ? 'yes' : 'no'}</td>
                      {canEdit ? (
                        <td>
                          <button
                            type="button"
                            class="secondary small"
                            onClick={() => setEditing(x)}
                            aria-label={`Edit ${x.name}`}
                          >
                            Edit
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}

/** Create (POST) or edit (PATCH) a rule; a 400's named fields are shown on those fields. */
export function RuleEditor({
  rule,
  advertiserId,
  onDone,
  onCancel,
}: {
  rule?: AlertRule;
  advertiserId: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<RuleForm>(() => (rule ? formOf(rule) : emptyForm(advertiserId)));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const update = (k: keyof RuleForm, v: string | boolean) => setForm((f) => ({ ...f, [k]: v }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral(undefined);
    try {
      await api(rule ? `/v1/alert-rules/${rule.id}` : '/v1/alert-rules', {
        method: rule ? 'PATCH' : 'POST',
        body: bodyOf(form),
      });
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.fields.length) {
        const byField: Record<string, string> = {};
        const unplaced: string[] = [];
        for (const f of err.fields) {
          const top = f.field.split('.')[0];
          if (top in form) byField[top] = f.reason;
          else unplaced.push(f.reason);
        }
        setErrors(byField);
        setGeneral(unplaced.length ? unplaced.join('; ') : 'The rule was refused: see the fields marked below.');
      } else {
        setGeneral(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const field = (k: keyof RuleForm, label: string, control: 'text' | string[] = 'text', hint?: string) => {
    const id = `rule-${k}`;
    const err = errors[k];
    const value = form[k] as string;
    const common = {
      id,
      name: k,
      'aria-invalid': err ? true : undefined,
      'aria-describedby': err ? `${id}-error` : undefined,
    };
    return (
      <div class="field">
        <label for={id}>{label}</label>
        {control === 'text' ? (
          <input
            {...common}
            type="text"
            value={value}
            placeholder={hint}
            onInput={(e) => update(k, (e.currentTarget as HTMLInputElement).value)}
          />
        ) : (
          <select {...common} value={value} onChange={(e) => update(k, (e.currentTarget as HTMLSelectElement).value)}>
            {control.map((o) => (
              <option key={o} value={o}>
                {o || '(none)'}
              </option>
            ))}
          </select>
        )}
        {err ? (
          <span id={`${id}-error`} class="field-error">
            {err}
          </span>
        ) : null}
      </div>
    );
  };

  return (
    <form class="rule" onSubmit={submit} aria-label={rule ? `Edit rule ${rule.name}` : 'New rule'} noValidate>
      <h2 style={{ gridColumn: '1 / -1', margin: 0 }}>{rule ? `Edit “${rule.name}”` : 'New rule'}</h2>
      {general ? (
        <p class="state error" role="alert" style={{ gridColumn: '1 / -1' }}>
          {general}
        </p>
      ) : null}
      {field('name', 'Name')}
      {field('metric', 'Metric', METRICS)}
      {field('condition', 'Condition', CONDITIONS)}
      {field('threshold', 'Threshold', 'text', 'e.g. 30')}
      {field('baseline', 'Baseline (change conditions)', BASELINES)}
      {field('windowHours', 'Window (hours)', WINDOWS)}
      {field('entityLevel', 'Judged per', LEVELS)}
      {field('scopeType', 'Scope', SCOPES)}
      {field('scopeId', 'Scope id')}
      {field('severity', 'Severity', SEVERITIES)}
      {field('minImpressions', 'Minimum impressions')}
      {field('minClicks', 'Minimum clicks')}
      {field('minSpend', 'Minimum spend')}
      {field('settlingHours', 'Settling hours (conversion metrics)')}
      {field('destination', 'Slack destination', 'text', 'default')}
      {field('repeatIntervalMinutes', 'Repeat every (minutes)')}
      <div class="field">
        <label>
          <input
            type="checkbox"
            checked={form.enabled}
            onChange={(e) => update('enabled', (e.currentTarget as HTMLInputElement).checked)}
          />{' '}
          Enabled
        </label>
      </div>
      <div class="buttons">
        <button type="submit" disabled={busy}>
          {rule ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
