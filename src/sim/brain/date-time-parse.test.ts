import { describe, expect, it } from 'vitest';
import { findDates, findTimes, humanDate, resolveDate, todayFromPrompt } from './date-time-parse.js';

const TODAY = '2026-12-01'; // a Tuesday

function dates(text: string): string[] {
  return findDates(text).map((m) => resolveDate(m, TODAY));
}

describe('dates', () => {
  it('resolves ISO, relative and weekday dates against today', () => {
    expect(dates('on 2026-12-03 please')).toEqual(['2026-12-03']);
    expect(dates('tomorrow')).toEqual(['2026-12-02']);
    expect(dates('Today or the day after tomorrow')).toEqual(['2026-12-01', '2026-12-03']);
    expect(dates('in 3 days')).toEqual(['2026-12-04']);
    expect(dates('on Friday')).toEqual(['2026-12-04']);
    expect(dates('next Monday')).toEqual(['2026-12-07']);
    expect(dates('Tuesday')).toEqual(['2026-12-08']);
    expect(dates('this Tuesday')).toEqual(['2026-12-01']);
  });

  it('resolves month and day to the next such date', () => {
    expect(dates('December 5th')).toEqual(['2026-12-05']);
    expect(dates('on the 3rd of January')).toEqual(['2027-01-03']);
    expect(dates('Nov 2')).toEqual(['2027-11-02']);
  });

  it('reads the system prompt date and formats dates for people', () => {
    expect(todayFromPrompt('You help customers.\nToday is 2026-12-01 (Tuesday).')).toBe('2026-12-01');
    expect(todayFromPrompt('no date here')).toBeUndefined();
    expect(humanDate('2026-12-03')).toBe('Thursday, December 3');
  });
});

describe('times', () => {
  it('reads 24h, 12h and spoken times', () => {
    expect(findTimes('at 10:30')).toEqual(['10:30']);
    expect(findTimes('3pm or 3:30 p.m.')).toEqual(['15:00', '15:30']);
    expect(findTimes('12am, 12pm, noon')).toEqual(['00:00', '12:00', '12:00']);
    expect(findTimes('15h45')).toEqual(['15:45']);
    expect(findTimes('at 3')).toEqual(['15:00']);
    expect(findTimes('at 10')).toEqual(['10:00']);
    expect(findTimes('10.30am')).toEqual(['10:30']);
  });

  it('ignores dates, codes and durations', () => {
    expect(findTimes('on 2026-12-03 for BK-7Q4M2X')).toEqual([]);
    expect(findTimes('at 3 people')).toEqual([]);
    expect(findTimes('25:00')).toEqual([]);
  });
});
