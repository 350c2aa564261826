import { COMMAND_ERROR_CODES } from '@ams/contracts';
import { COMMAND_ERROR_STATUS, commandErrorStatus } from './api-exception.filter';

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
