import { Coalescer, formatSse, type LiveEvent } from './live-events.coalescer';

describe('Coalescer: at most one event per kind, advertiser and interval', () => {
  let now = 0;
  let sent: LiveEvent[];
  let c: Coalescer;
  beforeEach(() => {
    jest.useFakeTimers();
    now = 10_000;
    sent = [];
    c = new Coalescer(
      1000,
      (e) => sent.push(e),
      () => now,
    );
  });
  afterEach(() => {
    c.clear();
    jest.useRealTimers();
  });
  const advance = (ms: number) => {
    now += ms;
    jest.advanceTimersByTime(ms);
  };

  it('sends the first change at once and merges the rest of the second into one event, ids united', () => {
    c.add({ kind: 'perf', advertiserId: 'A', ids: ['C1'] });
    expect(sent).toEqual([{ kind: 'perf', advertiserId: 'A', data: { advertiserIds: ['A'], campaignIds: ['C1'] } }]);
    for (const id of ['C2', 'C3', 'C2']) {
      advance(100);
      c.add({ kind: 'perf', advertiserId: 'A', ids: [id] });
    }
    expect(sent).toHaveLength(1);
    advance(699);
    expect(sent).toHaveLength(1);
    advance(1);
    expect(sent[1]).toEqual({
      kind: 'perf',
      advertiserId: 'A',
      data: { advertiserIds: ['A'], campaignIds: ['C2', 'C3'] },
    });
    advance(5000);
    expect(sent).toHaveLength(2); // nothing pending: no empty event
  });

  it('keeps kinds and advertisers apart', () => {
    c.add({ kind: 'perf', advertiserId: 'A', ids: ['C1'] });
    c.add({ kind: 'perf', advertiserId: 'B', ids: ['C9'] });
    c.add({ kind: 'alert', advertiserId: 'A', ids: ['7'] });
    c.add({ kind: 'budget', advertiserId: 'A', ids: [] });
    expect(sent.map((e) => `${e.kind}:${e.advertiserId}`)).toEqual(['perf:A', 'perf:B', 'alert:A', 'budget:A']);
  });

  it('names the latest alert and action, and all of them merged', () => {
    c.add({ kind: 'alert', advertiserId: 'A', ids: ['1'] });
    c.add({ kind: 'alert', advertiserId: 'A', ids: ['2'] });
    c.add({ kind: 'alert', advertiserId: 'A', ids: ['3'] });
    advance(1000);
    expect(sent.map((e) => e.data)).toEqual([
      { advertiserId: 'A', alertId: '1', alertIds: ['1'] },
      { advertiserId: 'A', alertId: '3', alertIds: ['2', '3'] },
    ]);
    c.add({ kind: 'action', advertiserId: 'A', ids: ['42'] });
    expect(sent[2].data).toEqual({ advertiserId: 'A', actionId: '42', actionIds: ['42'] });
  });

  it('writes the wire format: event name, one data line of JSON, a blank line', () => {
    c.add({ kind: 'budget', advertiserId: 'A', ids: ['C1'] });
    expect(formatSse(sent[0])).toBe('event: budget\ndata: {"advertiserId":"A","campaignIds":["C1"]}\n\n');
  });
});
