import { COMMAND_ERROR_CODES } from '@ams/contracts';
import { COMMAND_ERROR_STATUS, commandErrorStatus, commandValidationErrors } from './api-exception.filter';

describe('the HTTP status of a command refusal', () => {
  it('maps every CommandErrorCode: the client-actionable ones to a 4xx, Amazon-side ones to 502/503, INTERNAL to none', () => {
    expect(Object.keys(COMMAND_ERROR_STATUS).sort()).toEqual([...COMMAND_ERROR_CODES].sort());
    for (const code of COMMAND_ERROR_CODES) {
      const status = commandErrorStatus(code);
      expect({
        code,
        ok:
          code === 'INTERNAL'
            ? status === null
            : code === 'UNAVAILABLE' || code === 'UPSTREAM'
              ? status === 503 || status === 502
              : status !== null && status >= 400 && status < 500,
      }).toEqual({ code, ok: true });
    }
    expect([
      commandErrorStatus('VALIDATION'),
      commandErrorStatus('NOT_FOUND'),
      commandErrorStatus('REPROCESS_RUNNING'),
      commandErrorStatus('UNAVAILABLE'),
      commandErrorStatus('UPSTREAM'),
    ]).toEqual([400, 404, 409, 503, 502]);
  });

  it('answers a code outside the union like any unexpected error', () => {
    for (const code of ['ALERT_NOT_FOUND', 'MESSAGING_TIMEOUT', '23505', ''])
      expect({ code, status: commandErrorStatus(code) }).toEqual({ code, status: null });
  });
});

describe('a command VALIDATION refusal names its fields', () => {
  it('splits `<path>: <reason>; …` into fields, the rest is the body', () => {
    expect(
      commandValidationErrors(
        'action.percent: at most ±90 % per action (got 95); guards.maxBudget: 5 is below guards.minBudget 10; ' +
          'action.windows[1].toHour: must be after fromHour; give either until or minutes',
      ),
    ).toEqual([
      { field: 'action.percent', reason: 'action.percent: at most ±90 % per action (got 95)' },
      { field: 'guards.maxBudget', reason: 'guards.maxBudget: 5 is below guards.minBudget 10' },
      { field: 'action.windows[1].toHour', reason: 'action.windows[1].toHour: must be after fromHour' },
      { field: 'body', reason: 'give either until or minutes' },
    ]);
  });
});
