import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { NATS_APPS, type NatsApp } from '../apps';
import { PerfHourlyUpdatedV1, ReprocessWindowRequestV1 } from '../events';
import { validatePayload } from '../validate-payload';
import * as catalog from './catalog';
import { COMMAND_CATALOG, EVENT_CATALOG, STREAMS, SUBJECT_FAMILIES } from './catalog';
import { defineCommand, defineEvent, replyOf } from './descriptors';
import { subjectMatches as matches } from '../nats-naming';

const ROOT = resolve(__dirname, '../../../../..');

/** The production code of each app (comments blanked): its src/ without specs, test harnesses and benchmarks. */
function appSources(): Array<{ app: NatsApp; file: string; text: string }> {
  const out: Array<{ app: NatsApp; file: string; text: string }> = [];
  const walk = (app: NatsApp, dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'testing' && e.name !== 'bench') walk(app, p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) {
        out.push({ app, file: relative(ROOT, p), text: withoutComments(readFileSync(p, 'utf8')) });
      }
    }
  };
  for (const app of NATS_APPS) walk(app, join(ROOT, 'apps', app, 'src'));
  return out;
}

/** `{ name, app, file }` for every match of `re` (first group: a descriptor's name) in the apps' code. */
function uses(re: RegExp): Array<{ name: string; app: NatsApp; file: string }> {
  return appSources().flatMap(({ app, file, text }) => [...text.matchAll(re)].map((m) => ({ name: m[1], app, file })));
}

/** Source text with its comments blanked (doc comments may name subjects). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const descriptorNames = new Set([...EVENT_CATALOG, ...COMMAND_CATALOG, ...SUBJECT_FAMILIES].map((d) => d.name));

describe('the message catalog', () => {
  it('names each descriptor after the constant it is exported as, with unique names and subjects', () => {
    const exported = Object.entries(catalog).filter(([, v]) => typeof v === 'object' && v !== null && 'kind' in v);
    for (const [key, d] of exported) expect({ key, name: (d as { name: string }).name }).toEqual({ key, name: key });
    expect(exported.map(([k]) => k).sort()).toEqual([...descriptorNames].sort());
    const subjects = [...EVENT_CATALOG, ...COMMAND_CATALOG].map((d) => d.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it('puts every event subject inside the subjects of its own stream, and in no other stream', () => {
    for (const e of EVENT_CATALOG) {
      const inside = Object.values(STREAMS)
        .filter((s) => s.subjects.some((p) => matches(p, e.subject)))
        .map((s) => s.name);
      expect({ event: e.name, streams: inside }).toEqual({ event: e.name, streams: [e.stream] });
    }
    for (const f of SUBJECT_FAMILIES) {
      const inside = Object.values(STREAMS)
        .filter((s) => s.subjects.some((p) => matches(p, f.at('any-dataset').subject)))
        .map((s) => s.name);
      expect({ family: f.name, streams: inside }).toEqual({ family: f.name, streams: [f.stream] });
    }
  });

  it('keeps the streams disjoint: no subject pattern of one stream overlaps another stream', () => {
    const streams = Object.values(STREAMS);
    for (const a of streams) {
      for (const b of streams) {
        if (a === b) continue;
        for (const p of a.subjects) {
          const root = p.split('.')[0];
          expect({ a: a.name, b: b.name, p, overlaps: b.subjects.some((q) => q.split('.')[0] === root) }).toEqual({
            a: a.name,
            b: b.name,
            p,
            overlaps: false,
          });
        }
      }
    }
  });

  it('has every command answered by exactly one app, the one its descriptor names (from reply(<COMMAND> in apps/*/src)', () => {
    const replies = uses(/\.reply\(\s*([A-Z][A-Z0-9_]*)\b/g);
    for (const r of replies)
      expect({ ...r, known: COMMAND_CATALOG.some((c) => c.name === r.name) }).toEqual({ ...r, known: true });
    for (const c of COMMAND_CATALOG) {
      const apps = [...new Set(replies.filter((r) => r.name === c.name).map((r) => r.app))];
      expect({ command: c.name, answeredBy: apps }).toEqual({ command: c.name, answeredBy: [c.app] });
    }
  });

  it("has every event published by the app its descriptor names, and only by it (from the apps' code)", () => {
    const published = [...uses(/\.publish\(\s*([A-Z][A-Z0-9_]*)\b/g), ...uses(/\bto: ([A-Z][A-Z0-9_]*)\b/g)];
    for (const p of published) expect({ ...p, known: descriptorNames.has(p.name) }).toEqual({ ...p, known: true });
    for (const d of [...EVENT_CATALOG, ...SUBJECT_FAMILIES]) {
      const apps = [...new Set(published.filter((p) => p.name === d.name).map((p) => p.app))];
      expect({ descriptor: d.name, publishedBy: apps }).toEqual({ descriptor: d.name, publishedBy: [d.producer] });
    }
  });

  it('is the only way the apps name a message: catalog descriptors in every messaging call, no subject strings', () => {
    const calls = uses(/\.(?:request|consume|subscribeAll|readWindow)\(\s*([A-Za-z_][A-Za-z0-9_]*)\b/g);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect({ ...c, known: descriptorNames.has(c.name) }).toEqual({ ...c, known: true });
    const literals = appSources().flatMap(({ file, text }) =>
      [...text.matchAll(/['"`]((?:cmd|perf|budget|pipeline|ams)\.[A-Za-z0-9_.>*-]+)['"`]/g)].map((m) => ({
        file,
        literal: m[1],
      })),
    );
    expect(literals).toEqual([]);
  });

  it('refuses a descriptor whose subject does not say its owner or version', () => {
    const request = ReprocessWindowRequestV1;
    expect(() =>
      defineCommand({ name: 'X', subject: 'cmd.processor.x.v1', request, reply: replyOf<unknown>(), app: 'alerter' }),
    ).toThrow(/cmd\.alerter\./);
    expect(() =>
      defineCommand({ name: 'X', subject: 'cmd.alerter.x', request, reply: replyOf<unknown>(), app: 'alerter' }),
    ).toThrow(/v<n>/);
    expect(() =>
      defineEvent({
        name: 'X',
        subject: 'perf.hourly.updated',
        payload: PerfHourlyUpdatedV1,
        stream: 'events',
        producer: 'processor',
      }),
    ).toThrow(/v<n>/);
  });

  it('refuses unknown fields at any depth when asked to (as the messaging module asks on receipt)', () => {
    const event = {
      version: 1,
      emittedAt: '2025-06-03T18:00:00.000Z',
      touched: [
        { advertiserId: 'A1', campaignId: '1', hourStart: '2025-06-03T17:00:00.000Z', utcOffsetMinutes: 0, extra: 1 },
      ],
      note: 'x',
    };
    expect(validatePayload(PerfHourlyUpdatedV1, event).ok).toBe(true); // the lenient default, for stored bodies
    const strict = validatePayload(PerfHourlyUpdatedV1, event, { refuseUnknownFields: true, noun: 'event' });
    expect(strict).toEqual({ ok: false, reason: expect.stringContaining('note: is not a field of this event') });
    expect(strict).toEqual({
      ok: false,
      reason: expect.stringContaining('touched.0.extra: is not a field of this event'),
    });
  });
});
