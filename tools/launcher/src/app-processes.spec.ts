import { formatLogLine } from './app-processes';

describe('formatLogLine', () => {
  it('shortens pino JSON lines and keeps the other fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: '2025-06-03T10:00:01.234Z',
      app: 'alerter',
      pid: 1,
      context: 'OutboxSenderService',
      msg: 'slow',
      ms: 12,
    });
    expect(formatLogLine(line)).toBe('10:00:01 WARN  [OutboxSenderService] slow {"ms":12}');
  });

  it('prints a multi-line message (a logged Slack notification) as indented lines', () => {
    const line = JSON.stringify({
      level: 30,
      time: '2025-06-03T10:00:01Z',
      msg: 'notification logged',
      destination: 'default',
      message: '🔴 CTR drop\n*CTR*: 0.15 %',
    });
    expect(formatLogLine(line)).toBe(
      '10:00:01 INFO  notification logged {"destination":"default"}\n    🔴 CTR drop\n    *CTR*: 0.15 %',
    );
  });

  it('leaves anything else as it came', () => {
    expect(formatLogLine('(node:1) Warning: something')).toBe('(node:1) Warning: something');
    expect(formatLogLine('{not json')).toBe('{not json');
  });
});
