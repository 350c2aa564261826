import type { StreamCapacity } from '@ams/platform';
import { handOffVerdict } from './hand-off-verdict';

const base: StreamCapacity = {
  bytes: 1000,
  messages: 10,
  maxBytes: -1,
  maxMessages: -1,
  discardNew: false,
  accountStorageUsed: 1000,
  accountStorageLimit: -1,
};

describe('handOffVerdict', () => {
  it('takes records when nothing is limited, or the stream drops old messages when full', () => {
    expect(handOffVerdict(base)).toEqual({ ok: true });
    expect(handOffVerdict({ ...base, maxBytes: 1000, bytes: 1000 })).toEqual({ ok: true });
  });

  it('refuses when a discard-new stream is at its byte or message limit, or the account storage is full', () => {
    expect(handOffVerdict({ ...base, discardNew: true, maxBytes: 1000 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/stream full: 1000 of 1000 bytes/),
    });
    expect(handOffVerdict({ ...base, discardNew: true, maxMessages: 10 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/10 of 10 messages/),
    });
    expect(handOffVerdict({ ...base, accountStorageLimit: 1000 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/account storage full/),
    });
    expect(handOffVerdict({ ...base, discardNew: true, maxBytes: 2000 })).toEqual({ ok: true });
  });
});
