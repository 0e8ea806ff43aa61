import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BUSINESS, DEMO_BUSINESS_INPUT } from './demo-business.js';
import { BusinessFileError, loadBusiness, parseBusiness } from './load-business.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concierge-business-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BusinessFileError);
    expect((error as BusinessFileError).code).toBe('BUSINESS_FILE_INVALID');
    return [...(error as BusinessFileError).problems];
  }
  throw new Error('expected BUSINESS_FILE_INVALID');
}

describe('the demo business', () => {
  it('is used when no file is given and has eight services with capacities 1-3', async () => {
    const business = await loadBusiness();
    expect(business).toBe(DEMO_BUSINESS);
    expect(business.services).toHaveLength(8);
    expect(new Set(business.services.map((s) => s.capacity))).toEqual(new Set([1, 2, 3]));
    expect(business.openingHours.saturday).toEqual([
      { open: '09:00', close: '13:00' },
      { open: '14:00', close: '17:00' },
    ]);
  });
});

describe('loadBusiness', () => {
  it('reads the example YAML file', async () => {
    const business = await loadBusiness(new URL('../../examples/business.yaml', import.meta.url).pathname);
    expect(business.timeZone).toBe('Europe/London');
    expect(business.slotStepMin).toBe(30);
    expect(business.closedDates).toEqual([{ date: '2026-12-25' }, { date: '2026-12-26', reason: 'Boxing Day' }]);
    expect(business.openingHours.saturday).toEqual([{ open: '09:00', close: '14:00' }]);
    expect(business.services.map((s) => s.id)).toContain('group-stretch');
  });

  it('reads JSON and applies defaults', async () => {
    const { slotStepMin: _s, bookingHorizonDays: _h, ...rest } = DEMO_BUSINESS_INPUT;
    const business = await loadBusiness(await write('b.json', JSON.stringify(rest)));
    expect(business.slotStepMin).toBe(15);
    expect(business.bookingHorizonDays).toBe(60);
  });

  it('names the bad field', () => {
    const bad = structuredClone(DEMO_BUSINESS_INPUT) as unknown as { services: Array<Record<string, unknown>> };
    bad.services[2]!['durationMin'] = 42;
    expect(problemsOf(() => parseBusiness(bad))).toEqual(['services[2].durationMin: must be a multiple of 5 minutes']);
  });

  it('reports unknown fields, bad zones, overlapping hours and duplicate ids together', () => {
    const bad = structuredClone(DEMO_BUSINESS_INPUT) as unknown as Record<string, unknown> & { services: Array<Record<string, unknown>> };
    bad['timeZone'] = 'Mars/Olympus';
    bad['openingHours'] = { tuesday: ['09:00-13:00', '12:00-17:00'], funday: [] };
    bad['colour'] = 'blue';
    bad.services[1]!['id'] = 'classic-haircut';
    const problems = problemsOf(() => parseBusiness(bad));
    expect(problems).toContainEqual(expect.stringMatching(/^timeZone: must be an IANA time zone/));
    expect(problems).toContainEqual('openingHours.tuesday: intervals 09:00-13:00 and 12:00-17:00 overlap');
    expect(problems).toContainEqual('openingHours: unknown field "funday"');
    expect(problems).toContainEqual('(top level): unknown field "colour"');
    expect(problems).toContainEqual('services[1].id: duplicate service id "classic-haircut"');
  });

  it('rejects an interval that closes before it opens and a malformed one', () => {
    const bad = structuredClone(DEMO_BUSINESS_INPUT) as unknown as Record<string, unknown>;
    bad['openingHours'] = { monday: ['18:00-09:00'], tuesday: ['9-5'] };
    const problems = problemsOf(() => parseBusiness(bad));
    expect(problems).toContainEqual('openingHours.monday[0]: must open before it closes');
    expect(problems.some((p) => p.startsWith('openingHours.tuesday[0]'))).toBe(true);
  });

  it('explains unreadable and unparsable files', async () => {
    await expect(loadBusiness(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'BUSINESS_FILE_INVALID', problems: ['cannot be read: ENOENT'] });
    const broken = await write('broken.yaml', 'name: [unclosed\n');
    await expect(loadBusiness(broken)).rejects.toMatchObject({ code: 'BUSINESS_FILE_INVALID', message: expect.stringContaining('is not valid YAML') });
    const notJson = await write('broken.json', '{"name":');
    await expect(loadBusiness(notJson)).rejects.toMatchObject({ message: expect.stringContaining('is not valid JSON') });
  });
});
