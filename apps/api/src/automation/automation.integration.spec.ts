import { createHash } from 'node:crypto';
import { Client } from 'pg';
import {
  ACTION_APPROVE,
  ACTION_REJECT,
  ACTION_REVERT,
  ACTION_RULE_CREATE,
  ACTION_RULE_DELETE,
  ACTION_RULE_LIST,
  ACTION_RULE_UPDATE,
  actionRuleProblems,
  AUTOMATION_SET,
  type ActionRuleV1,
  type AutomationStateV1,
  CommandError,
  resolveGuards,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const ADMIN = 'automation-admin-key-0123456789';
const OPERATOR = 'automation-operator-key-012345';
const READ = 'automation-read-key-0123456789a';
const envKeyId = (key: string) => `env:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
const ADV_A = 'ENTITY2LJ7PT1S0EHHP';
const ADV_B = 'ENTITY1B0XQ9WZ3K7MN';

type Json = Record<string, unknown>;

/** A rule the policy accepts: raise an out-of-budget campaign's budget by 20 %, with approval. */
const rule = (over: Json = {}): Json => ({
  name: 'raise budget when out before 18:00',
  advertiserId: ADV_A,
  entityLevel: 'campaign',
  mode: 'approval',
  trigger: { type: 'budget', usageAtLeast: '100', beforeLocalHour: 18 },
  action: { type: 'change_budget_pct', percent: '20' },
  guards: { minBudget: '10', maxBudget: '500' },
  ...over,
});

/**
 * The automation REST surface against real PostgreSQL and NATS. The alerter's ACTION_RULE_* and the connector's
 * ACTION_* / AUTOMATION_SET are answered by small responders on the real NATS (their apps are built elsewhere): they
 * write the tables the way the owners do, record what they were sent, and refuse as the owners do (VALIDATION,
 * NOT_FOUND, CONFLICT), so what is proven here is the api's part: validation, scopes, advertiser limits, the
 * forwarding (with `by`) and the mapping of each refusal to its HTTP status.
 */
describe('api: /v1/action-rules, /v1/actions, /v1/automation (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let pg: Client;
  let api: RunningTestApp<ApiEnv>;
  let alerter: JetStreamService;
  let connector: JetStreamService;
  let limitedKey: string;
  const sent: Array<{ subject: string; body: Json }> = [];
  const sentTo = (subject: string) => sent.filter((s) => s.subject === subject).map((s) => s.body);

  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json & { data: Json[] } };
  };

  const ruleView = (r: Json): ActionRuleV1 => ({
    id: String(r['id']),
    name: r['name'] as string,
    advertiserId: r['advertiser_id'] as string,
    entityLevel: r['entity_level'] as ActionRuleV1['entityLevel'],
    scopeType: r['scope_type'] as ActionRuleV1['scopeType'],
    scopeId: r['scope_id'] as string | null,
    adProducts: r['ad_products'] as ActionRuleV1['adProducts'],
    mode: r['mode'] as ActionRuleV1['mode'],
    trigger: r['trigger'] as ActionRuleV1['trigger'],
    action: r['action'] as ActionRuleV1['action'],
    guards: r['guards'] as ActionRuleV1['guards'],
    destination: r['destination'] as string,
    enabled: r['enabled'] as boolean,
    createdAt: (r['created_at'] as Date).toISOString(),
    updatedAt: (r['updated_at'] as Date).toISOString(),
  });

  const insertRule = async (advertiserId: string, name: string): Promise<string> => {
    const r = await pg.query(
      `INSERT INTO action_rule (name, advertiser_id, entity_level, trigger, action, guards)
       VALUES ($1, $2, 'campaign', $3, $4, $5) RETURNING id::text`,
      [
        name,
        advertiserId,
        { type: 'budget' },
        { type: 'change_budget_pct', percent: '20' },
        resolveGuards({}, { type: 'change_budget_pct' }),
      ],
    );
    return (r.rows[0] as { id: string }).id;
  };

  let seq = 0;
  const insertAction = async (a: { ruleId: string | null; advertiserId: string; state: string }): Promise<string> => {
    seq += 1;
    const r = await pg.query(
      `INSERT INTO automation_action (kind, rule_id, decision_key, mode, state, advertiser_id, profile_id, ad_product,
         entity_type, entity_id, entity_name, campaign_id, field, value_before, value_asked, reason, trigger_data,
         local_date)
       VALUES ($1, $2, $3, 'approval', $4, $5, '9007199254740993', 'SP', 'campaign', $6, 'Brand - Exact', $6, 'budget',
         '100.00', '120.00', 'raise the daily budget of campaign "Brand - Exact" from 100.00 to 120.00 (+20.00 %)',
         '{"usage": "100"}', '2025-06-03')
       RETURNING id::text`,
      [a.ruleId ? 'rule' : 'revert', a.ruleId, `spec-${seq}`, a.state, a.advertiserId, `1854026506508${seq}`],
    );
    return (r.rows[0] as { id: string }).id;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const prefix = uniquePrefix('apiauto');
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, prefix),
      API_KEYS: ADMIN,
      API_OPERATOR_KEYS: OPERATOR,
      API_READ_KEYS: READ,
      API_RATE_LIMIT_PER_MINUTE: '10000',
      AUTOMATION_MAX_DAILY_BUDGET_INCREASE: '250.50',
    });

    // the alerter's side of ACTION_RULE_*: the policy's refusals, then action_rule as the alerter writes it
    alerter = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'alerter' });
    alerter.reply(ACTION_RULE_CREATE, async (req) => {
      sent.push({ subject: ACTION_RULE_CREATE.subject, body: { ...req } });
      const problems = actionRuleProblems(req);
      if (req.scopeId === '999') problems.push(`scopeId: campaign 999 is not one of advertiser ${req.advertiserId}'s`);
      if (problems.length) throw new CommandError('VALIDATION', problems.join('; '));
      const r = await pg.query(
        `INSERT INTO action_rule (name, advertiser_id, entity_level, scope_type, scope_id, mode, trigger, action, guards)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          req.name,
          req.advertiserId,
          req.entityLevel,
          req.scopeType ?? 'advertiser',
          req.scopeId ?? null,
          req.mode ?? 'dry_run',
          req.trigger,
          req.action,
          resolveGuards(req.guards, req.action),
        ],
      );
      return ruleView(r.rows[0] as Json);
    });
    alerter.reply(ACTION_RULE_UPDATE, async (req) => {
      sent.push({ subject: ACTION_RULE_UPDATE.subject, body: { ...req } });
      const r = await pg.query(
        `UPDATE action_rule SET name = COALESCE($2, name), enabled = COALESCE($3, enabled), updated_at = now()
          WHERE id = $1 AND deleted_at IS NULL RETURNING *`,
        [req.id, req.name ?? null, req.enabled ?? null],
      );
      if (!r.rows[0]) throw new CommandError('NOT_FOUND', `action rule ${req.id} does not exist`);
      return ruleView(r.rows[0] as Json);
    });
    alerter.reply(ACTION_RULE_DELETE, async (req) => {
      sent.push({ subject: ACTION_RULE_DELETE.subject, body: { ...req } });
      await pg.query(`UPDATE action_rule SET deleted_at = now() WHERE id = $1`, [req.id]);
      return { id: req.id, deleted: true as const };
    });
    alerter.reply(ACTION_RULE_LIST, async (req) => {
      sent.push({ subject: ACTION_RULE_LIST.subject, body: { ...req } });
      const r = await pg.query(
        `SELECT * FROM action_rule WHERE deleted_at IS NULL AND ($1::text IS NULL OR advertiser_id = $1) ORDER BY id`,
        [req.advertiserId ?? null],
      );
      return { rules: (r.rows as Json[]).map(ruleView) };
    });

    // the connector's side of ACTION_* and AUTOMATION_SET
    connector = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'connector' });
    const decide = (subject: string, from: string, to: string) => async (req: { id: string; by: string }) => {
      sent.push({ subject, body: { ...req } });
      const r = await pg.query(`SELECT state FROM automation_action WHERE id = $1`, [req.id]);
      const state = (r.rows[0] as { state: string } | undefined)?.state;
      if (!state) throw new CommandError('NOT_FOUND', `action ${req.id} does not exist`);
      if (state !== from) throw new CommandError('CONFLICT', `action ${req.id} is ${state}, not ${from}`);
      await pg.query(`UPDATE automation_action SET state = $2, decided_by = $3, decided_at = now() WHERE id = $1`, [
        req.id,
        to,
        req.by,
      ]);
      return { id: req.id, state: to, decidedBy: req.by } as never;
    };
    connector.reply(ACTION_APPROVE, decide(ACTION_APPROVE.subject, 'pending_approval', 'queued'));
    connector.reply(ACTION_REJECT, decide(ACTION_REJECT.subject, 'pending_approval', 'rejected'));
    connector.reply(ACTION_REVERT, async (req) => {
      sent.push({ subject: ACTION_REVERT.subject, body: { ...req } });
      throw new CommandError(
        'CONFLICT',
        `action ${req.id} set the budget to 120.00, but Amazon reports 135.00 now: reverting would undo a later change`,
      );
    });
    connector.reply(AUTOMATION_SET, async (req): Promise<AutomationStateV1> => {
      sent.push({ subject: AUTOMATION_SET.subject, body: { ...req } });
      if (req.enabled !== undefined) {
        await pg.query(`UPDATE automation_setting SET enabled = $1, updated_by = $2, updated_at = now()`, [
          req.enabled,
          req.by,
        ]);
      }
      for (const l of req.advertiserLimits ?? []) {
        if (l.maxDailyBudgetIncrease === null) {
          await pg.query(`DELETE FROM automation_advertiser_limit WHERE advertiser_id = $1`, [l.advertiserId]);
        } else {
          await pg.query(
            `INSERT INTO automation_advertiser_limit (advertiser_id, max_daily_budget_increase, updated_by)
             VALUES ($1, $2, $3) ON CONFLICT (advertiser_id) DO UPDATE SET max_daily_budget_increase = $2`,
            [l.advertiserId, l.maxDailyBudgetIncrease, req.by],
          );
        }
      }
      return { enabled: req.enabled ?? true } as AutomationStateV1;
    });
    await Promise.all([alerter.connect(), connector.connect()]);

    const created = await call('POST', '/v1/api-keys', ADMIN, {
      name: 'agency A',
      scope: 'operator',
      advertiserIds: [ADV_A],
    });
    expect(created.status).toBe(201);
    limitedKey = created.body['key'] as string;
  }, 60_000);

  afterAll(async () => {
    await alerter?.close();
    await connector?.close();
    await api?.close();
    await pg?.end();
    await db?.drop();
  });

  beforeEach(() => {
    sent.length = 0;
  });

  describe('action rules', () => {
    it('refuses shapes and the policy with 400 naming the field, before anything is sent to the alerter', async () => {
      const cases: Array<[string, Json, string]> = [
        ['percent 95', rule({ action: { type: 'change_budget_pct', percent: '95' } }), 'action.percent'],
        ['percent -95', rule({ action: { type: 'change_budget_pct', percent: '-95' } }), 'action.percent'],
        ['ceiling below floor', rule({ guards: { minBudget: '50', maxBudget: '10' } }), 'guards.maxBudget'],
        [
          'a budget action on keywords',
          rule({
            entityLevel: 'keyword',
            trigger: {
              type: 'metric',
              condition: { metric: 'acos', condition: 'above', threshold: '0.5', windowHours: 24 },
            },
          }),
          'action.type',
        ],
        ['an unknown action type', rule({ action: { type: 'set_price', value: '1' } }), 'action.type'],
        ['percent as a number', rule({ action: { type: 'change_budget_pct', percent: 20 } }), 'action.percent'],
        ['an unknown field', rule({ owner: 'me' }), 'owner'],
        ['no advertiser', rule({ advertiserId: undefined }), 'advertiserId'],
        ['a capped trigger without a minimum', rule({ trigger: { type: 'capped' } }), 'trigger.minSalesLost'],
        ['a capped trigger of 0', rule({ trigger: { type: 'capped', minSalesLost: '0' } }), 'trigger.minSalesLost'],
        [
          'a capped minimum as a number',
          rule({ trigger: { type: 'capped', minSalesLost: 200 } }),
          'trigger.minSalesLost',
        ],
      ];
      for (const [what, body, field] of cases) {
        const r = await call('POST', '/v1/action-rules', OPERATOR, body);
        expect({ what, status: r.status, code: r.body['code'] }).toEqual({ what, status: 400, code: 'VALIDATION' });
        expect({ what, fields: (r.body['errors'] as Json[]).map((e) => e['field']) }).toEqual({
          what,
          fields: expect.arrayContaining([field]),
        });
      }
      expect(sentTo(ACTION_RULE_CREATE.subject)).toEqual([]);
      // the policy's own words, as the alerter would say them
      const pct = await call(
        'POST',
        '/v1/action-rules',
        OPERATOR,
        rule({ action: { type: 'change_budget_pct', percent: '95' } }),
      );
      expect(pct.body['errors']).toEqual([
        { field: 'action.percent', reason: 'action.percent: at most ±90 % per action (got 95)' },
      ]);
    });

    it("maps the alerter's own VALIDATION to 400 naming the field", async () => {
      const r = await call('POST', '/v1/action-rules', OPERATOR, rule({ scopeType: 'campaign', scopeId: '999' }));
      expect(r).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION', errors: [{ field: 'scopeId', reason: expect.stringContaining('campaign 999') }] },
      });
      expect(sentTo(ACTION_RULE_CREATE.subject)).toHaveLength(1);
    });

    it('creates, reads, patches and deletes through the alerter (operator)', async () => {
      const created = await call('POST', '/v1/action-rules', OPERATOR, rule());
      expect(created).toMatchObject({
        status: 201,
        body: {
          advertiserId: ADV_A,
          mode: 'approval',
          guards: { minBudget: '10', maxBudget: '500', maxActionsPerDay: 2, cooldownMinutes: 60 },
        },
      });
      const id = created.body['id'] as string;
      expect((await call('GET', `/v1/action-rules/${id}`, READ)).body).toMatchObject({ id, name: rule()['name'] });
      expect(sentTo(ACTION_RULE_LIST.subject)).toEqual([{ advertiserId: ADV_A }]);
      const list = await call('GET', `/v1/action-rules?advertiserId=${ADV_A}`, READ);
      expect(list.body.data.map((r) => r['id'])).toContain(id);

      // a PATCH is judged on the stored rule with the patch applied: 400 without the alerter
      const bad = await call('PATCH', `/v1/action-rules/${id}`, OPERATOR, {
        guards: { minBudget: '600', maxBudget: '100' },
      });
      expect(bad).toMatchObject({ status: 400, body: { errors: [{ field: 'guards.maxBudget' }] } });
      const badLevel = await call('PATCH', `/v1/action-rules/${id}`, OPERATOR, {
        action: { type: 'change_bid_pct', percent: '10' },
      });
      // judged with the stored entityLevel (campaign) and guards (budget limits)
      expect(badLevel.status).toBe(400);
      expect((badLevel.body['errors'] as Json[]).map((e) => e['field'])).toEqual(['action.type', 'guards.minBudget']);
      expect(sentTo(ACTION_RULE_UPDATE.subject)).toEqual([]);
      const renamed = await call('PATCH', `/v1/action-rules/${id}`, OPERATOR, { name: 'renamed', enabled: false });
      expect(renamed).toMatchObject({ status: 200, body: { id, name: 'renamed', enabled: false } });
      expect(sentTo(ACTION_RULE_UPDATE.subject)).toEqual([{ id, name: 'renamed', enabled: false }]);

      expect(await call('DELETE', `/v1/action-rules/${id}`, OPERATOR)).toMatchObject({
        status: 200,
        body: { id, deleted: true },
      });
      expect((await call('GET', `/v1/action-rules/${id}`, READ)).status).toBe(404);
      expect((await call('PATCH', `/v1/action-rules/${id}`, OPERATOR, { name: 'x' })).status).toBe(404);
      expect((await call('GET', '/v1/action-rules/1x', READ)).body).toMatchObject({ errors: [{ field: 'id' }] });
    });

    it('a read key reads; every change needs operator (403 SCOPE_REQUIRED)', async () => {
      const id = await insertRule(ADV_A, 'seeded for scopes');
      for (const [method, path, body] of [
        ['POST', '/v1/action-rules', rule()],
        ['PATCH', `/v1/action-rules/${id}`, { name: 'x' }],
        ['DELETE', `/v1/action-rules/${id}`, undefined],
      ] as const) {
        expect({ method, ...(await call(method, path, READ, body)) }).toMatchObject({
          method,
          status: 403,
          body: { code: 'SCOPE_REQUIRED', requiredScope: 'operator' },
        });
      }
      expect(sent).toEqual([]);
    });

    it("a key limited to advertisers sees and changes only its advertisers' rules (404 beyond)", async () => {
      const mine = await insertRule(ADV_A, 'A rule');
      const theirs = await insertRule(ADV_B, 'B rule');
      const list = await call('GET', '/v1/action-rules', limitedKey);
      expect(list.status).toBe(200);
      expect(new Set(list.body.data.map((r) => r['advertiserId']))).toEqual(new Set([ADV_A]));
      expect(list.body.data.map((r) => r['id'])).toContain(mine);
      expect((await call('GET', `/v1/action-rules?advertiserId=${ADV_B}`, limitedKey)).status).toBe(404);
      expect((await call('GET', `/v1/action-rules/${theirs}`, limitedKey)).status).toBe(404);
      expect((await call('PATCH', `/v1/action-rules/${theirs}`, limitedKey, { name: 'x' })).status).toBe(404);
      expect((await call('DELETE', `/v1/action-rules/${theirs}`, limitedKey)).status).toBe(404);
      expect((await call('POST', '/v1/action-rules', limitedKey, rule({ advertiserId: ADV_B }))).status).toBe(404);
      expect(sentTo(ACTION_RULE_CREATE.subject)).toEqual([]);
      expect((await call('PATCH', `/v1/action-rules/${mine}`, limitedKey, { name: 'mine' })).status).toBe(200);
    });
  });

  describe('actions', () => {
    let ruleA: string;
    let ruleB: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      await pg.query(`DELETE FROM automation_action`);
      ruleA = await insertRule(ADV_A, 'rule of A');
      ruleB = await insertRule(ADV_B, 'rule of B');
      // oldest first: ids rise
      for (const [name, ruleId, advertiserId, state] of [
        ['a1', ruleA, ADV_A, 'done'],
        ['a2', ruleA, ADV_A, 'pending_approval'],
        ['b1', ruleB, ADV_B, 'pending_approval'],
        ['a3', ruleA, ADV_A, 'blocked'],
        ['a4', ruleA, ADV_A, 'pending_approval'],
        ['b2', ruleB, ADV_B, 'done'],
        ['r1', null, ADV_A, 'queued'],
      ] as const) {
        ids[name] = await insertAction({ ruleId, advertiserId, state });
      }
    });

    it('lists newest first with the rule name, filters by state, advertiser and rule, and pages by id', async () => {
      const all = await call('GET', '/v1/actions', READ);
      expect(all.status).toBe(200);
      expect(all.body.data.map((a) => a['id'])).toEqual(['r1', 'b2', 'a4', 'a3', 'b1', 'a2', 'a1'].map((n) => ids[n]));
      expect(all.body['nextBefore']).toBeNull();
      expect(all.body.data.find((a) => a['id'] === ids['a1'])).toEqual({
        id: ids['a1'],
        kind: 'rule',
        ruleId: ruleA,
        ruleName: 'rule of A',
        mode: 'approval',
        state: 'done',
        advertiserId: ADV_A,
        profileId: '9007199254740993',
        adProduct: 'SP',
        entityType: 'campaign',
        entityId: expect.stringMatching(/^1854026506508\d+$/),
        entityName: 'Brand - Exact',
        campaignId: expect.stringMatching(/^1854026506508\d+$/),
        adGroupId: null,
        field: 'budget',
        valueBefore: '100.00',
        valueAsked: '120.00',
        valueAfter: null,
        reason: expect.stringContaining('from 100.00 to 120.00'),
        trigger: { usage: '100' },
        stateReason: null,
        localDate: '2025-06-03',
        createdAt: expect.stringMatching(/Z$/),
        expiresAt: null,
        decidedBy: null,
        decidedAt: null,
        executedAt: null,
        attempts: 0,
        amazonRequestIds: [],
        resultCode: null,
        revertsActionId: null,
        revertedByActionId: null,
      });
      expect(all.body.data.find((a) => a['id'] === ids['r1'])).toMatchObject({ kind: 'revert', ruleName: null });

      const pending = await call('GET', '/v1/actions?state=pending_approval', READ);
      expect(pending.body.data.map((a) => a['id'])).toEqual([ids['a4'], ids['b1'], ids['a2']]);
      const ofA = await call('GET', `/v1/actions?advertiserId=${ADV_A}&state=pending_approval`, READ);
      expect(ofA.body.data.map((a) => a['id'])).toEqual([ids['a4'], ids['a2']]);
      const ofRuleB = await call('GET', `/v1/actions?ruleId=${ruleB}`, READ);
      expect(ofRuleB.body.data.map((a) => a['id'])).toEqual([ids['b2'], ids['b1']]);

      // pages of two, by id: every action once, in order
      const seen: string[] = [];
      let before: string | null = null;
      let pages = 0;
      do {
        const r: Awaited<ReturnType<typeof call>> = await call(
          'GET',
          `/v1/actions?limit=2${before ? `&before=${before}` : ''}`,
          READ,
        );
        seen.push(...r.body.data.map((a) => a['id'] as string));
        before = r.body['nextBefore'] as string | null;
        pages += 1;
      } while (before && pages < 10);
      expect(pages).toBe(4);
      expect(seen).toEqual(all.body.data.map((a) => a['id']));

      expect((await call('GET', `/v1/actions/${ids['b1']}`, READ)).body).toMatchObject({
        id: ids['b1'],
        state: 'pending_approval',
      });
      expect((await call('GET', '/v1/actions/999999', READ)).status).toBe(404);
    });

    it('refuses bad filters with 400 naming the parameter', async () => {
      for (const [query, field] of [
        ['state=approved', 'state'],
        ['ruleId=abc', 'ruleId'],
        ['before=1e3', 'before'],
        ['limit=0', 'limit'],
        ['advertiserId=a%20b', 'advertiserId'],
        ['cursor=x', 'cursor'],
      ]) {
        const r = await call('GET', `/v1/actions?${query}`, READ);
        expect({ query, status: r.status, fields: (r.body['errors'] as Json[]).map((e) => e['field']) }).toEqual({
          query,
          status: 400,
          fields: [field],
        });
      }
      const state = await call('GET', '/v1/actions?state=approved', READ);
      expect((state.body['errors'] as Json[])[0]['reason']).toContain('pending_approval');
      expect((await call('GET', '/v1/actions/12a', READ)).body).toMatchObject({ errors: [{ field: 'id' }] });
    });

    it("a key limited to advertisers sees and decides only its advertisers' actions (404 beyond)", async () => {
      const list = await call('GET', '/v1/actions', limitedKey);
      expect(new Set(list.body.data.map((a) => a['advertiserId']))).toEqual(new Set([ADV_A]));
      expect(list.body.data).toHaveLength(5);
      expect((await call('GET', `/v1/actions?advertiserId=${ADV_B}`, limitedKey)).status).toBe(404);
      expect((await call('GET', `/v1/actions/${ids['b1']}`, limitedKey)).status).toBe(404);
      expect((await call('POST', `/v1/actions/${ids['b1']}/approve`, limitedKey, {})).status).toBe(404);
      expect((await call('POST', '/v1/actions/999999/reject', limitedKey, {})).status).toBe(404);
      expect(sent).toEqual([]);
    });

    it('approve and reject go to the connector with the key as by; its NOT_FOUND and CONFLICT map to 404 and 409', async () => {
      const approved = await call('POST', `/v1/actions/${ids['a2']}/approve`, OPERATOR, { note: 'ok for Prime Day' });
      expect(approved).toMatchObject({ status: 200, body: { id: ids['a2'], state: 'queued' } });
      expect(sentTo(ACTION_APPROVE.subject)).toEqual([
        { id: ids['a2'], by: envKeyId(OPERATOR), note: 'ok for Prime Day' },
      ]);
      expect((await call('GET', `/v1/actions/${ids['a2']}`, READ)).body).toMatchObject({
        state: 'queued',
        decidedBy: envKeyId(OPERATOR),
      });

      // a limited (managed) key decides its own advertiser's actions, recorded as key:<id>; no body is fine
      const rejected = await call('POST', `/v1/actions/${ids['a4']}/reject`, limitedKey);
      expect(rejected).toMatchObject({ status: 200, body: { state: 'rejected' } });
      expect(sentTo(ACTION_REJECT.subject)).toEqual([{ id: ids['a4'], by: expect.stringMatching(/^key:\d+$/) }]);

      // already decided: the connector's CONFLICT, with its explanation
      const again = await call('POST', `/v1/actions/${ids['a2']}/approve`, OPERATOR, {});
      expect(again).toMatchObject({
        status: 409,
        body: { code: 'CONFLICT', message: `action ${ids['a2']} is queued, not pending_approval` },
      });
      // unknown to the connector
      expect(await call('POST', '/v1/actions/999999/approve', ADMIN, {})).toMatchObject({
        status: 404,
        body: { code: 'NOT_FOUND' },
      });
      const revert = await call('POST', `/v1/actions/${ids['a1']}/revert`, OPERATOR, { note: 'undo' });
      expect(revert).toMatchObject({
        status: 409,
        body: { code: 'CONFLICT', message: expect.stringContaining('Amazon reports 135.00 now') },
      });
      expect(sentTo(ACTION_REVERT.subject)).toEqual([{ id: ids['a1'], by: envKeyId(OPERATOR), note: 'undo' }]);

      // bodies: only a note, of at most 500 characters
      expect(await call('POST', `/v1/actions/${ids['b1']}/approve`, OPERATOR, { by: 'someone else' })).toMatchObject({
        status: 400,
        body: { errors: [{ field: 'by' }] },
      });
      expect(await call('POST', `/v1/actions/${ids['b1']}/approve`, OPERATOR, { note: 'x'.repeat(501) })).toMatchObject(
        { status: 400, body: { errors: [{ field: 'note' }] } },
      );

      // audited as every change: who, what, outcome
      const audit = await pg.query(
        `SELECT action, target, outcome, status FROM audit_log WHERE action LIKE 'action.%' ORDER BY id`,
      );
      expect(audit.rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ action: 'action.approve', target: `action:${ids['a2']}`, status: 200 }),
          expect.objectContaining({ action: 'action.revert', target: `action:${ids['a1']}`, status: 409 }),
        ]),
      );
    });

    it('a read key may not decide (403 SCOPE_REQUIRED operator)', async () => {
      for (const verb of ['approve', 'reject', 'revert']) {
        expect(await call('POST', `/v1/actions/${ids['b1']}/${verb}`, READ, {})).toMatchObject({
          status: 403,
          body: { code: 'SCOPE_REQUIRED', requiredScope: 'operator' },
        });
      }
      expect(sent).toEqual([]);
    });
  });

  describe('the kill switch and the caps', () => {
    it('GET reads the stored switch, the caps and the environment; PUT is admin only and sends by', async () => {
      const before = await call('GET', '/v1/automation', READ);
      expect(before).toMatchObject({
        status: 200,
        body: {
          enabled: true,
          switchEnabled: true,
          envEnabled: true,
          updatedBy: null,
          defaultMaxDailyBudgetIncrease: '250.50',
          advertiserLimits: [],
        },
      });

      expect(await call('PUT', '/v1/automation', READ, { enabled: false })).toMatchObject({
        status: 403,
        body: { code: 'SCOPE_REQUIRED', requiredScope: 'admin' },
      });
      expect(await call('PUT', '/v1/automation', OPERATOR, { enabled: false })).toMatchObject({
        status: 403,
        body: { code: 'SCOPE_REQUIRED', requiredScope: 'admin' },
      });
      expect(sent).toEqual([]);

      const put = await call('PUT', '/v1/automation', ADMIN, {
        enabled: false,
        advertiserLimits: [
          { advertiserId: ADV_A, maxDailyBudgetIncrease: '40' },
          { advertiserId: ADV_B, maxDailyBudgetIncrease: '75.25' },
        ],
      });
      expect(put.status).toBe(200);
      expect(sentTo(AUTOMATION_SET.subject)).toEqual([
        {
          enabled: false,
          advertiserLimits: [
            { advertiserId: ADV_A, maxDailyBudgetIncrease: '40' },
            { advertiserId: ADV_B, maxDailyBudgetIncrease: '75.25' },
          ],
          by: envKeyId(ADMIN),
        },
      ]);
      const after = await call('GET', '/v1/automation', READ);
      expect(after.body).toMatchObject({
        enabled: false,
        switchEnabled: false,
        envEnabled: true,
        updatedBy: envKeyId(ADMIN),
        // by advertiser id
        advertiserLimits: [
          { advertiserId: ADV_B, maxDailyBudgetIncrease: '75.25' },
          { advertiserId: ADV_A, maxDailyBudgetIncrease: '40' },
        ],
      });
      // a limited key sees its advertisers' caps only
      expect((await call('GET', '/v1/automation', limitedKey)).body['advertiserLimits']).toEqual([
        { advertiserId: ADV_A, maxDailyBudgetIncrease: '40' },
      ]);

      for (const [body, field] of [
        [{}, 'enabled'],
        [{ enabled: 'no' }, 'enabled'],
        [
          { advertiserLimits: [{ advertiserId: ADV_A, maxDailyBudgetIncrease: '1e3' }] },
          'advertiserLimits.0.maxDailyBudgetIncrease',
        ],
        [
          { advertiserLimits: [{ advertiserId: ADV_A, maxDailyBudgetIncrease: '-5' }] },
          'advertiserLimits.0.maxDailyBudgetIncrease',
        ],
        [{ enabled: true, by: 'me' }, 'by'],
      ] as const) {
        const r = await call('PUT', '/v1/automation', ADMIN, body);
        expect({ body, status: r.status, fields: (r.body['errors'] as Json[]).map((e) => e['field']) }).toEqual({
          body,
          status: 400,
          fields: [field],
        });
      }
      expect(sentTo(AUTOMATION_SET.subject)).toHaveLength(1);
      const audit = await pg.query(
        `SELECT actor, outcome, status FROM audit_log WHERE action = 'automation.set' AND status = 200`,
      );
      expect(audit.rows).toEqual([expect.objectContaining({ actor: envKeyId(ADMIN) })]);

      await call('PUT', '/v1/automation', ADMIN, { enabled: true });
    });
  });

  it('the OpenAPI document states each route and its scope', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const scopeOf = (method: string, path: string) => doc.paths[path]?.[method]?.['x-required-scope'];
    expect({
      listRules: scopeOf('get', '/v1/action-rules'),
      createRule: scopeOf('post', '/v1/action-rules'),
      patchRule: scopeOf('patch', '/v1/action-rules/{id}'),
      deleteRule: scopeOf('delete', '/v1/action-rules/{id}'),
      actions: scopeOf('get', '/v1/actions'),
      action: scopeOf('get', '/v1/actions/{id}'),
      approve: scopeOf('post', '/v1/actions/{id}/approve'),
      reject: scopeOf('post', '/v1/actions/{id}/reject'),
      revert: scopeOf('post', '/v1/actions/{id}/revert'),
      getAutomation: scopeOf('get', '/v1/automation'),
      putAutomation: scopeOf('put', '/v1/automation'),
    }).toEqual({
      listRules: 'read',
      createRule: 'operator',
      patchRule: 'operator',
      deleteRule: 'operator',
      actions: 'read',
      action: 'read',
      approve: 'operator',
      reject: 'operator',
      revert: 'operator',
      getAutomation: 'read',
      putAutomation: 'admin',
    });
  });

  // last: stops the alerter's responder
  it('without the alerter: rule reads and changes are 503 COMMAND_TIMEOUT at once, the policy still a 400', async () => {
    await alerter.close();
    const started = Date.now();
    const list = await call('GET', '/v1/action-rules', READ);
    expect(list).toMatchObject({
      status: 503,
      body: { code: 'COMMAND_TIMEOUT', message: expect.stringContaining('the alerter did not answer') },
    });
    const bad = await call(
      'POST',
      '/v1/action-rules',
      OPERATOR,
      rule({ guards: { minBudget: '50', maxBudget: '10' } }),
    );
    expect(bad).toMatchObject({ status: 400, body: { errors: [{ field: 'guards.maxBudget' }] } });
    expect((await call('POST', '/v1/action-rules', OPERATOR, rule())).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000); // no responders: not the 10 s timeout
  });
});
