import {
  NATS_APPS,
  NATS_OPERATOR,
  NATS_USAGE,
  NATS_USERS,
  natsPermissions,
  OPERATOR_COMMANDS,
} from './nats-permissions';
import { NATS_PASSWORD_SHAPE, newNatsPassword, renderNatsAccounts } from './nats-server-config';
import { randomBytes } from 'node:crypto';
import { COMMAND_CATALOG, STREAMS } from './catalog/catalog';
import { subjectMatches as matches } from './nats-naming';

const allowed = (list: { allow: string[]; deny: string[] }, subject: string) =>
  list.allow.some((a) => matches(a, subject)) && !list.deny.some((d) => matches(d, subject));

describe('natsPermissions', () => {
  const perms = natsPermissions('pfx');

  it("lets only the processor consume the AMS stream, and nobody read another app's inbox", () => {
    for (const app of NATS_APPS) {
      const p = perms[app];
      const consumesAms = [
        '$JS.API.CONSUMER.MSG.NEXT.PFX_AMS.processor',
        '$JS.API.CONSUMER.CREATE.PFX_AMS.x.pfx.ams.>',
        '$JS.ACK.PFX_AMS.processor.1.2.3.4.5',
        '$JS.ACK._.ACCHASH.PFX_AMS.processor.1.2.3.4.5.x',
      ].some((s) => allowed(p.publish, s));
      expect({ app, consumesAms }).toEqual({ app, consumesAms: app === 'processor' });
      expect(allowed(p.subscribe, 'pfx.ams.sp-traffic')).toBe(false);
      for (const other of NATS_APPS)
        expect({ app, other, ok: allowed(p.subscribe, `_INBOX.${other}.abc.1`) }).toEqual({
          app,
          other,
          ok: app === other,
        });
    }
  });

  it('lets only the owning app answer its cmd.<app>.* subjects, and only the api request them (not the operator commands)', () => {
    for (const { subject } of COMMAND_CATALOG) {
      const owner = subject.split('.')[1];
      for (const app of NATS_APPS) {
        expect({ subject, app, answers: allowed(perms[app].subscribe, `pfx.${subject}`) }).toEqual({
          subject,
          app,
          answers: app === owner,
        });
        const requests = app === 'api' && !OPERATOR_COMMANDS.includes(subject);
        expect({ subject, app, requests: allowed(perms[app].publish, `pfx.${subject}`) }).toEqual({
          subject,
          app,
          requests,
        });
      }
    }
    expect(allowed(perms.api.publish, 'pfx.cmd.ingestor.polling.v1')).toBe(false);
  });

  it('lets no app delete or purge a stream, delete a message, or touch a consumer it does not own', () => {
    for (const app of NATS_APPS) {
      for (const s of Object.values(STREAMS).map((x) => `PFX_${x.name}`)) {
        for (const api of ['STREAM.DELETE', 'STREAM.PURGE', 'STREAM.MSG.DELETE']) {
          expect({ app, api, ok: allowed(perms[app].publish, `$JS.API.${api}.${s}`) }).toEqual({ app, api, ok: false });
        }
      }
      for (const d of ['aggregator-perf', 'alerter-perf', 'alerter-budget']) {
        expect(allowed(perms[app].publish, `$JS.API.CONSUMER.DELETE.PFX_EVENTS.${d}`)).toBe(false);
        const owns = NATS_USAGE[app].durables.some((x) => x.durable === d);
        expect({ app, d, ok: allowed(perms[app].publish, `$JS.API.CONSUMER.MSG.NEXT.PFX_EVENTS.${d}`) }).toEqual({
          app,
          d,
          ok: owns,
        });
      }
    }
  });

  it('lets each app publish only what it produces', () => {
    const publishers = (s: string) => NATS_APPS.filter((a) => allowed(perms[a].publish, s));
    expect(publishers('pfx.ams.sp-traffic')).toEqual(['ingestor']);
    expect(publishers('pfx.ams._quarantine')).toEqual(['ingestor']);
    expect(publishers('pfx.perf.hourly.updated.v1')).toEqual(['processor']);
    expect(publishers('pfx.budget.usage.updated.v1')).toEqual(['processor']);
    expect(publishers('ams.sp-traffic')).toEqual([]); // another deployment's subjects
  });

  it('gives the operator (NATS CLI) every command and read-only JetStream state, nothing to consume or destroy', () => {
    const op = perms[NATS_OPERATOR];
    for (const { subject } of COMMAND_CATALOG)
      expect({ subject, ok: allowed(op.publish, `pfx.${subject}`) }).toEqual({ subject, ok: true });
    expect(allowed(op.publish, '$JS.API.CONSUMER.INFO.PFX_AMS.processor')).toBe(true);
    expect(allowed(op.publish, '$JS.API.STREAM.INFO.PFX_EVENTS')).toBe(true);
    for (const s of [
      '$JS.API.CONSUMER.MSG.NEXT.PFX_AMS.processor',
      '$JS.API.CONSUMER.CREATE.PFX_AMS.x',
      '$JS.API.CONSUMER.DELETE.PFX_AMS.processor',
      '$JS.API.STREAM.DELETE.PFX_AMS',
      '$JS.API.STREAM.PURGE.PFX_AMS',
      '$JS.API.STREAM.UPDATE.PFX_AMS',
      'pfx.ams.sp-traffic',
      'pfx.perf.hourly.updated.v1',
    ]) {
      expect({ s, ok: allowed(op.publish, s) }).toEqual({ s, ok: false });
    }
    expect(op.subscribe.allow).toEqual(['_INBOX.operator.>']);
    expect(Object.keys(perms).sort()).toEqual([...NATS_USERS].sort());
  });

  it('renders without a prefix for a deployment of its own', () => {
    const conf = renderNatsAccounts('');
    expect(conf).toContain('"ams.>"');
    expect(conf).toContain('"$JS.API.CONSUMER.MSG.NEXT.AMS.processor"');
    expect(conf).toContain('password: $API_NATS_PASSWORD');
    expect(conf).not.toMatch(/password: "/);
  });
});

describe('newNatsPassword', () => {
  it('always starts with a letter, so nats-server reads it from its environment as a string', () => {
    for (let i = 0; i < 2000; i++) expect(newNatsPassword(randomBytes)).toMatch(NATS_PASSWORD_SHAPE);
    // the draws that broke nats-server at start: a digit first
    const digitFirst = () => Buffer.from([0xd3, 0x9e, ...Array(22).fill(0)]); // base64url '054…'
    expect(digitFirst().toString('base64url')[0]).toMatch(/[0-9]/);
    expect(newNatsPassword(digitFirst)).toMatch(NATS_PASSWORD_SHAPE);
    expect(NATS_PASSWORD_SHAPE.test('9e5abcdefghijklmnop')).toBe(false);
  });
});
