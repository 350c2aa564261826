import { SlidingLogThrottlerStorage } from './sliding-log.storage';

const MINUTE = 60_000;

describe('SlidingLogThrottlerStorage', () => {
  let now = 0;
  let storage: SlidingLogThrottlerStorage;
  beforeEach(() => {
    now = 1_000_000;
    storage = new SlidingLogThrottlerStorage(() => now);
  });
  afterEach(() => storage.stop());

  it('allows `limit` requests in the window, then blocks for the block duration without counting', () => {
    for (let i = 1; i <= 3; i++) {
      expect(storage.hit('k', MINUTE, 3, MINUTE)).toEqual({
        totalHits: i,
        timeToExpire: 61 - i,
        isBlocked: false,
        timeToBlockExpire: 0,
      });
      now += 1000;
    }
    expect(storage.hit('k', MINUTE, 3, MINUTE)).toEqual({
      totalHits: 4,
      timeToExpire: 57,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
    // the first request leaves the window at +60 s, but the block set at +3 s lasts until +63 s
    now = 1_000_000 + 61_000;
    expect(storage.hit('k', MINUTE, 3, MINUTE)).toMatchObject({ isBlocked: true, timeToBlockExpire: 2 });
    now = 1_000_000 + 63_000;
    // by now every counted request has left the window
    expect(storage.hit('k', MINUTE, 3, MINUTE)).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('counts exactly the requests of the last window (sliding, not fixed)', () => {
    storage.hit('k', MINUTE, 2, 1); // t = 0
    now += 59_999;
    expect(storage.hit('k', MINUTE, 2, 1).totalHits).toBe(2); // t = 59.999 s
    now += 1; // t = 60 s: the first one has left, the second has not
    expect(storage.hit('k', MINUTE, 2, 1)).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(storage.hit('k', MINUTE, 2, 1)).toMatchObject({ isBlocked: true });
  });

  it('keeps clients and throttlers apart', () => {
    expect(storage.hit('a', MINUTE, 1, MINUTE).isBlocked).toBe(false);
    expect(storage.hit('a', MINUTE, 1, MINUTE).isBlocked).toBe(true);
    expect(storage.hit('b', MINUTE, 1, MINUTE).isBlocked).toBe(false);
  });

  it('counts exactly under a high limit and a long, steady stream (the queue drops each expired time once)', () => {
    for (let i = 0; i < 200_000; i++) {
      now += 0.5; // 2,000 requests a second: after 60 s, 120,000 are in the window at every request
      storage.hit('k', MINUTE, 1_000_000, MINUTE);
    }
    expect(storage.hit('k', MINUTE, 1_000_000, MINUTE)).toEqual({
      totalHits: 120_001,
      timeToExpire: 1,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('forgets idle clients when swept, never a blocked one', () => {
    storage.hit('idle', MINUTE, 5, MINUTE);
    storage.hit('blocked', MINUTE, 1, 5 * MINUTE);
    storage.hit('blocked', MINUTE, 1, 5 * MINUTE);
    now += MINUTE + 1;
    storage.sweep(MINUTE);
    expect(storage.size).toBe(1);
    expect(storage.hit('blocked', MINUTE, 1, 5 * MINUTE).isBlocked).toBe(true);
  });
});
