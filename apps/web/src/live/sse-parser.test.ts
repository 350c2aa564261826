// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from './sse-parser';

function parseChunks(chunks: string[]): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const p = new SseParser(
    (e) => events.push(e),
    (c) => comments.push(c),
  );
  for (const c of chunks) p.feed(c);
  return { events, comments };
}

const STREAM =
  ': ping\n\n' +
  'event: perf\ndata: {"advertiserIds":["A1"],"campaignIds":["C1","C2"]}\n\n' +
  'event: alert\r\ndata: {"advertiserId":"A1",\r\ndata: "alertId":"7"}\r\n\r\n' +
  'data: no event name\n\n' +
  'event: budget\ndata:{"advertiserId":"A1","campaignIds":[]}\rid: 42\r\r' +
  'event: half\ndata: never ended';

describe('SseParser', () => {
  const expected: SseEvent[] = [
    { event: 'perf', data: '{"advertiserIds":["A1"],"campaignIds":["C1","C2"]}', id: undefined },
    { event: 'alert', data: '{"advertiserId":"A1",\n"alertId":"7"}', id: undefined },
    { event: 'message', data: 'no event name', id: undefined },
    { event: 'budget', data: '{"advertiserId":"A1","campaignIds":[]}', id: '42' },
  ];

  it('parses events, multi-line data, LF/CRLF/CR endings and comments in one chunk', () => {
    const { events, comments } = parseChunks([STREAM]);
    expect(events).toEqual(expected);
    expect(comments).toEqual(['ping']);
  });

  it('gives the same events whatever the chunk boundaries (every split point, byte by byte)', () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      expect(parseChunks([STREAM.slice(0, cut), STREAM.slice(cut)]).events).toEqual(expected);
    }
    expect(parseChunks(STREAM.split('')).events).toEqual(expected);
  });

  it('does not dispatch an event without data or before its blank line', () => {
    expect(parseChunks(['event: perf\n\n', 'event: alert\ndata: x\n']).events).toEqual([]);
  });
});
