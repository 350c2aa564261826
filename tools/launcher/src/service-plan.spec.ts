import {
  EMBEDDED_POSTGRES_PORT,
  FAUXQS_PORT,
  LOCAL_NATS_URL,
  LOCAL_POSTGRES_URL,
  assignPorts,
  connectorAdsEnv,
  natsAuthWarning,
  planAds,
  withoutAdsSecrets,
  planServices,
  probesFor,
  requestedPorts,
  safeUrl,
  type Flags,
  type Observations,
} from './service-plan';

const noFlags: Flags = { embeddedPostgres: false, ownNats: false };
const up: Observations = {
  postgres: { ok: true },
  nats: { ok: true, jetstream: true },
  natsBinary: '/usr/sbin/nats-server',
};

function plan(env: Record<string, string>, seen: Observations, flags: Flags = noFlags) {
  const r = planServices(env, flags, seen);
  if (!r.ok) throw new Error(`expected a plan, got errors: ${r.errors.join(' | ')}`);
  return r.plan;
}
function errors(env: Record<string, string>, seen: Observations, flags: Flags = noFlags): string[] {
  const r = planServices(env, flags, seen);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('probesFor', () => {
  it('probes the configured URLs when set, the machine defaults otherwise', () => {
    expect(probesFor({}, noFlags)).toEqual({
      postgres: { url: LOCAL_POSTGRES_URL, configured: false },
      nats: { urls: [LOCAL_NATS_URL], configured: false },
      natsBinary: true,
    });
    expect(
      probesFor({ DATABASE_URL: 'postgres://u@db:5432/x', NATS_URL: 'nats://a:4222, nats://b:4222' }, noFlags),
    ).toEqual({
      postgres: { url: 'postgres://u@db:5432/x', configured: true },
      nats: { urls: ['nats://a:4222', 'nats://b:4222'], configured: true },
      natsBinary: false,
    });
  });

  it('skips probing what a flag forces', () => {
    const r = probesFor({}, { embeddedPostgres: true, ownNats: true });
    expect(r.postgres).toBeNull();
    expect(r.nats).toBeNull();
    expect(r.natsBinary).toBe(true);
  });
});

describe('planServices', () => {
  it('uses the machine PostgreSQL and NATS when they answer, fauxqs for SQS, and logs Slack', () => {
    const p = plan({}, up);
    expect(p.postgres).toEqual({ kind: 'local', url: LOCAL_POSTGRES_URL });
    expect(p.nats).toEqual({ kind: 'local', url: LOCAL_NATS_URL });
    expect(p.sqs).toEqual({
      kind: 'fauxqs',
      port: FAUXQS_PORT,
      queue: 'ams-stream',
      dlq: 'ams-stream-dlq',
      maxReceiveCount: 5,
    });
    expect(p.slack).toEqual({ kind: 'log' });
    expect(p.notes).toEqual([]);
  });

  it('falls back to an embedded PostgreSQL when 127.0.0.1:5432 does not answer', () => {
    const p = plan({}, { ...up, postgres: { ok: false, detail: 'connection refused (127.0.0.1:5432)' } });
    expect(p.postgres).toEqual({ kind: 'embedded', port: EMBEDDED_POSTGRES_PORT, database: 'ams_sentinel' });
    expect(p.notes.join('\n')).toMatch(/no PostgreSQL at 127\.0\.0\.1:5432 \(connection refused.*embedded/);
  });

  it('uses the embedded PostgreSQL when asked, even with one reachable', () => {
    expect(plan({}, up, { embeddedPostgres: true, ownNats: false }).postgres.kind).toBe('embedded');
  });

  it('never replaces a DATABASE_URL the user set: unreachable is an error naming the URL (without its password)', () => {
    const errs = errors(
      { DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/ams' },
      { ...up, postgres: { ok: false, detail: 'connection refused' } },
    );
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(
      /^DATABASE_URL \(postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/ams\) is not reachable: connection refused/,
    );
    expect(errs[0]).not.toContain('s3cret');
    expect(errs[0]).toMatch(/unset it/);
  });

  it('uses a reachable DATABASE_URL as it is', () => {
    expect(plan({ DATABASE_URL: 'postgres://u@db/x' }, up).postgres).toEqual({
      kind: 'configured',
      url: 'postgres://u@db/x',
    });
  });

  it('starts nats-server when nothing answers on 4222, or when that NATS has no JetStream', () => {
    const down = plan({}, { ...up, nats: { ok: false, detail: 'connection refused' } });
    expect(down.nats).toEqual({ kind: 'own', binary: '/usr/sbin/nats-server', preferredPort: 4222 });
    const noJs = plan({}, { ...up, nats: { ok: true, jetstream: false } });
    expect(noJs.nats.kind).toBe('own');
    expect(noJs.notes.join('\n')).toMatch(/no JetStream/);
  });

  it('says how to install nats-server when one is needed and none is found', () => {
    const errs = errors({}, { ...up, nats: { ok: false, detail: 'connection refused' }, natsBinary: null });
    expect(errs.join('\n')).toMatch(/no nats-server binary was found.*apt-get install nats-server.*NATS_URL/s);
  });

  it('requires JetStream and reachability from a NATS_URL the user set', () => {
    expect(errors({ NATS_URL: 'nats://n:4222' }, { ...up, nats: { ok: true, jetstream: false } })[0]).toMatch(
      /no JetStream/,
    );
    expect(errors({ NATS_URL: 'nats://n:4222' }, { ...up, nats: { ok: false, detail: 'timed out' } })[0]).toMatch(
      /^NATS_URL \(nats:\/\/n:4222\) is not reachable: timed out/,
    );
    expect(plan({ NATS_URL: 'nats://n:4222' }, up).nats).toEqual({ kind: 'configured', url: 'nats://n:4222' });
  });

  it('reports every problem at once', () => {
    const errs = errors(
      { DATABASE_URL: 'postgres://x@h:1/d', NATS_URL: 'nats://h:2' },
      { postgres: { ok: false, detail: 'a' }, nats: { ok: false, detail: 'b' } },
    );
    expect(errs).toHaveLength(2);
  });

  it('uses configured SQS queues (and endpoint) instead of fauxqs, and a configured webhook instead of the log', () => {
    const p = plan(
      {
        SQS_QUEUE_URLS: 'https://sqs.us-east-1.amazonaws.com/1/a,https://sqs.us-east-1.amazonaws.com/1/b',
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x',
      },
      up,
    );
    expect(p.sqs).toEqual({
      kind: 'configured',
      queueUrls: ['https://sqs.us-east-1.amazonaws.com/1/a', 'https://sqs.us-east-1.amazonaws.com/1/b'],
      endpoint: null,
    });
    expect(p.slack).toEqual({ kind: 'configured' });
    expect(plan({ SQS_QUEUE_URLS: 'http://q', SQS_ENDPOINT: 'http://localhost:4566' }, up).sqs).toMatchObject({
      endpoint: 'http://localhost:4566',
    });
  });

  it('moves fauxqs to LAUNCHER_SQS_PORT, and rejects a bad one', () => {
    expect(plan({ LAUNCHER_SQS_PORT: '19324' }, up).sqs).toMatchObject({ kind: 'fauxqs', port: 19324 });
    expect(errors({ LAUNCHER_SQS_PORT: 'x' }, up)[0]).toMatch(/LAUNCHER_SQS_PORT/);
  });
});

describe('ports', () => {
  it('gives the api API_PORT, else PORT, else 3000, and the other apps their defaults', () => {
    expect(requestedPorts({})).toEqual([
      { app: 'ingestor', port: 3001, explicit: false },
      { app: 'processor', port: 3002, explicit: false },
      { app: 'alerter', port: 3003, explicit: false },
      { app: 'aggregator', port: 3004, explicit: false },
      { app: 'connector', port: 3005, explicit: false },
      { app: 'api', port: 3000, explicit: false },
    ]);
    expect(requestedPorts({ PORT: '8080' })).toContainEqual({ app: 'api', port: 8080, explicit: true });
    expect(requestedPorts({ PORT: '8080', API_PORT: '9090' })).toContainEqual({
      app: 'api',
      port: 9090,
      explicit: true,
    });
    expect(requestedPorts({ API_PORT: 'http' })).toEqual({ error: 'API_PORT must be a port number (1-65535)' });
  });

  it('keeps free ports, moves taken default ones to spare ports, and refuses a taken explicit one', () => {
    const req = requestedPorts({ API_PORT: '3100' });
    if ('error' in req) throw new Error(req.error);
    const r = assignPorts(req, new Set([3002, 3004]), [40001, 40002, 40003]);
    expect(r).toEqual({
      ok: true,
      ports: { ingestor: 3001, processor: 40001, alerter: 3003, aggregator: 40002, connector: 3005, api: 3100 },
      moved: ['port 3002 is taken: the processor uses 40001', 'port 3004 is taken: the aggregator uses 40002'],
    });
    const bad = assignPorts(req, new Set([3100]), [40001]);
    expect(bad).toEqual({ ok: false, error: expect.stringMatching(/port 3100 for the api is already in use/) });
  });
});

describe('safeUrl', () => {
  it('hides passwords and survives garbage', () => {
    expect(safeUrl('postgres://u:p@h:5432/d')).toBe('postgres://u:***@h:5432/d');
    expect(safeUrl('::')).toBe('(not a URL)');
  });
});

describe('natsAuthWarning', () => {
  const open: Observations = { ...up, nats: { ok: true, jetstream: true, authRequired: false } };
  it('warns about a NATS it did not start that accepts clients without credentials', () => {
    expect(natsAuthWarning(plan({}, open), open, {})).toMatch(
      /^warning: NATS at nats:\/\/127\.0\.0\.1:4222 has no authentication/,
    );
    expect(natsAuthWarning(plan({ NATS_URL: 'nats://n:4222' }, open), open, { NATS_URL: 'nats://n:4222' })).toMatch(
      /NATS at nats:\/\/n:4222 has no authentication/,
    );
  });
  it('is silent for its own nats-server, a server that requires authentication, or configured credentials', () => {
    expect(natsAuthWarning(plan({}, open, { embeddedPostgres: false, ownNats: true }), open, {})).toBeNull();
    const closed: Observations = { ...up, nats: { ok: true, jetstream: true, authRequired: true } };
    expect(natsAuthWarning(plan({}, closed), closed, {})).toBeNull();
    expect(natsAuthWarning(plan({}, open), open, { NATS_USER: 'api' })).toBeNull();
    expect(natsAuthWarning(plan({}, open), open, { NATS_CREDS_FILE: '/run/app.creds' })).toBeNull();
  });
});

describe('planAds', () => {
  const creds = {
    ADS_API_CLIENT_ID: 'amzn1.application-oa2-client.x',
    ADS_API_CLIENT_SECRET: 'secret',
    ADS_API_REFRESH_TOKEN: 'Atzr|x',
  };
  const emulator = {
    url: 'http://127.0.0.1:41000',
    tokenUrl: 'http://127.0.0.1:41000/auth/o2/token',
    clientId: 'emu-client',
    clientSecret: 'emu-secret',
    refreshToken: 'Atzr|emu',
  };

  it('starts the emulator on a free port when no credential is set, or on LAUNCHER_ADS_PORT', () => {
    expect(planAds({})).toEqual({ ok: true, ads: { kind: 'emulator', port: null } });
    expect(planAds({ LAUNCHER_ADS_PORT: '8765' })).toEqual({ ok: true, ads: { kind: 'emulator', port: 8765 } });
    expect(planAds({ LAUNCHER_ADS_PORT: 'x' })).toEqual({
      ok: false,
      error: 'LAUNCHER_ADS_PORT must be a port number (1-65535)',
    });
  });

  it('uses Amazon with the three credentials, and adds nothing to the environment that holds them', () => {
    const r = planAds({ ...creds, ADS_API_REGION: 'EU' });
    expect(r).toEqual({ ok: true, ads: { kind: 'configured', region: 'EU', endpoint: null } });
    if (!r.ok) throw new Error(r.error);
    expect(connectorAdsEnv(r.ads, null)).toEqual({});
    expect(planAds(creds)).toMatchObject({ ads: { region: 'NA' } });
  });

  it('refuses a partial set, naming what is set and what is missing (never a value)', () => {
    const r = planAds({ ADS_API_CLIENT_ID: 'id-value', ADS_API_REFRESH_TOKEN: 'Atzr|secret-value' });
    expect(r).toEqual({
      ok: false,
      error:
        'ADS_API_CLIENT_ID, ADS_API_REFRESH_TOKEN are set but ADS_API_CLIENT_SECRET is not: set all three to use Amazon ' +
        '(docs/amazon-setup.md), or none for the local Ads API emulator',
    });
  });

  it("points the connector at the emulator with the emulator's test client", () => {
    expect(connectorAdsEnv({ kind: 'emulator', port: null }, emulator)).toEqual({
      ADS_API_CLIENT_ID: 'emu-client',
      ADS_API_CLIENT_SECRET: 'emu-secret',
      ADS_API_REFRESH_TOKEN: 'Atzr|emu',
      ADS_API_REGION: 'NA',
      ADS_API_ENDPOINT: 'http://127.0.0.1:41000',
      ADS_LWA_ENDPOINT: 'http://127.0.0.1:41000/auth/o2/token',
    });
    expect(() => connectorAdsEnv({ kind: 'emulator', port: null }, null)).toThrow('not started');
  });

  it('keeps the Ads secrets from the other apps', () => {
    expect(withoutAdsSecrets({ ...creds, DATABASE_URL: 'postgres://x' })).toEqual({
      ADS_API_CLIENT_ID: 'amzn1.application-oa2-client.x',
      DATABASE_URL: 'postgres://x',
    });
  });
});
