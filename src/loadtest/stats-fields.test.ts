import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_LAG_FIELDS, findNumericFields, firstNumericField, QUEUE_DEPTH_FIELDS, SIM_RATE_LIMITED_FIELDS, SIM_RATE_LIMITED_GROUP, sumNumericFields } from './stats-fields.js';

describe('stats fields', () => {
  const serverStats = { runsInProgress: 7, eventLoopLag: { meanMs: 1.2, p50Ms: 1, p99Ms: 13.5, maxMs: 40 }, memory: { rssBytes: 1 } };

  it('reads the event-loop lag p99 and names the field it read', () => {
    expect(firstNumericField(serverStats, EVENT_LOOP_LAG_FIELDS)).toEqual({ path: 'eventLoopLag.p99Ms', value: 13.5 });
    expect(firstNumericField(serverStats, QUEUE_DEPTH_FIELDS)).toEqual({ path: 'runsInProgress', value: 7 });
  });

  it("sums the simulator's rate-limit counters by kind", () => {
    const sim = { requests: 120, rateLimited: { requests: 30, tokens: 9, tooLarge: 1 }, insufficientQuota: 0 };
    expect(sumNumericFields(sim, SIM_RATE_LIMITED_GROUP)?.total).toBe(40);
    expect(sumNumericFields({ rateLimited: 4 }, SIM_RATE_LIMITED_GROUP)?.total).toBe(4);
    expect(sumNumericFields({ requests: 1 }, SIM_RATE_LIMITED_GROUP)).toBeUndefined();
  });

  it('finds rate-limit counters at any depth and ignores non-numbers', () => {
    expect(firstNumericField({ responses: { status429: 12, status200: 80 } }, SIM_RATE_LIMITED_FIELDS)).toEqual({ path: 'responses.status429', value: 12 });
    expect(findNumericFields({ a: 'x', b: { rateLimited: null } }, /rateLimited/)).toEqual([]);
  });
});
