import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageSeries, type Dimension, type Measure } from '../../src/analytics/coverage-series.ts';
import { cellOf, tableRelations } from '../../src/analytics/suppression.ts';
import { createApp, type App } from '../../src/app/app.ts';
import { createApiKey } from '../../src/graphql/auth.ts';
import { createYogaServer } from '../../src/graphql/yoga.ts';
import type { AppendInput } from '../../src/eventstore/append.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { enrolBpu, ev, lapse, nik, testConfig } from '../support/events.ts';
import { given } from '../support/history.ts';

// Disclosure control for callers without a key (issue 15), end to end through
// the public API on random histories: every cell of a table (one measure,
// program slice and date or period), asked at every grain a public caller can
// ask for, is checked against the raw figures along every relation of the
// table. No shown count lies in 1..K-1, no shown total minus its shown parts
// does, a cell is hidden alike whatever query shape asks for it, and shown
// values are the raw ones.

const K = 10;
let db: TestDatabase;
let app: App;
let analyst: string;
beforeAll(async () => {
  db = await freshDatabase();
  app = createApp({ ...testConfig, minCell: K }, db);
  analyst = (await createApiKey(db, 'ANALYST', 'desk')).key;
});
afterAll(async () => {
  await app.prisma.$disconnect();
  await db.dropDatabase();
});

type Body = { data?: any; errors?: { message: string; extensions: { code: string; issues?: { field: string }[] } }[] };
async function ask(query: string, variables: Record<string, unknown> = {}, key?: string): Promise<Body> {
  const res = await createYogaServer(app).fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Body;
}

const SERIES = `query($measure: CoverageMeasure!, $granularity: Granularity!, $from: Date!, $to: Date!, $filter: CoverageFilter, $groupBy: [CoverageDimension!], $compare: Comparison) {
  coverageSeries(measure: $measure, granularity: $granularity, from: $from, to: $to, filter: $filter, groupBy: $groupBy, compare: $compare) {
    minCell suppressedCount
    series { key { provinceCode regencyCode segment program sponsor } points { periodEnd value suppressed cumulative compareValue } }
  }
}`;

// five regencies in three provinces; BPU (self-paid or government-paid) and PMI workers
const REGENCIES = ['3375', '3374', '1771', '3201', '3273'];
let nextWorker = 1;
const batch = fc.array(
  fc.record({
    regency: fc.constantFrom(...REGENCIES),
    kind: fc.constantFrom('BPU-SELF', 'BPU-GOVERNMENT', 'PMI'),
    jht: fc.boolean(),
    day: fc.integer({ min: 0, max: 700 }),
    lapseAfter: fc.option(fc.integer({ min: 1, max: 400 }), { freq: 3 }),
    // a regency's workers come in clumps: small and large cells both
    many: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 5, max: 25 }) }),
  }),
  { minLength: 10, maxLength: 40 },
);
const dayOf = (d: number) => new Date(Date.UTC(2013, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);

function toEvents(cmds: { regency: string; kind: string; jht: boolean; day: number; lapseAfter: number | null; many: number }[]): AppendInput[] {
  const out: AppendInput[] = [];
  for (const c of cmds) {
    for (let i = 0; i < c.many; i++) {
      const who = nik(nextWorker++, c.regency);
      const [segment, sponsor] = c.kind === 'PMI' ? ['PMI', 'SELF'] : c.kind.split('-');
      out.push(enrolBpu(who, dayOf(c.day), c.regency, { segment, sponsor, programs: c.jht ? ['JKK', 'JKM', 'JHT'] : ['JKK', 'JKM'] }));
      if (c.lapseAfter !== null) out.push(lapse(who, dayOf(c.day + c.lapseAfter)));
    }
  }
  return out;
}

/** Every grain of a table: region level (national, province, regency) x segment (all, each) x sponsor (all, each). */
const SHAPES: Dimension[][] = [];
for (const region of [[], ['PROVINCE'], ['REGENCY']] as Dimension[][]) for (const s of [[], ['SEGMENT']] as Dimension[][]) for (const p of [[], ['SPONSOR']] as Dimension[][]) SHAPES.push([...region, ...s, ...p]);

type Cell = { value: number | null; suppressed: boolean };
const cellKey = (k: { provinceCode: string | null; regencyCode: string | null; segment: string | null; sponsor: string | null }) => cellOf(k.regencyCode ?? k.provinceCode ?? '', k.segment ?? '', k.sponsor ?? '');

/** One table (measure, program slice, one period of a query) at every grain: public cells and raw values, by table cell. */
async function table(measure: Measure, granularity: 'DAY' | 'MONTH' | 'QUARTER', from: string, to: string, program?: string) {
  const shown = new Map<number, Cell>();
  const raw = new Map<number, number>();
  const filter = program ? { programs: [program] } : undefined;
  for (const groupBy of SHAPES) {
    const r = await ask(SERIES, { measure, granularity, from, to, groupBy, filter });
    expect(r.errors).toBeUndefined();
    expect(r.data.coverageSeries.minCell).toBe(K);
    for (const g of r.data.coverageSeries.series) {
      const p = g.points[g.points.length - 1];
      const c = cellKey(g.key);
      const seen = shown.get(c);
      // the same cell asked through another shape: the same answer
      if (seen) expect({ cell: c, ...p }).toMatchObject({ cell: c, value: seen.value, suppressed: seen.suppressed });
      shown.set(c, { value: p.value, suppressed: p.suppressed });
    }
    const s = await coverageSeries(db, { measure, granularity, from, to, groupBy, filter });
    for (const g of s.series) raw.set(cellKey(g.key), g.points[g.points.length - 1].value!);
  }
  return { shown, raw };
}

function violations({ shown, raw }: Awaited<ReturnType<typeof table>>): string[] {
  const out: string[] = [];
  const v = (c: number) => raw.get(c) ?? 0;
  const hidden = (c: number) => shown.get(c)?.suppressed ?? false;
  for (const [c, s] of shown) {
    if (s.suppressed !== (s.value === null)) out.push(`cell ${c}: suppressed ${s.suppressed} with value ${s.value}`);
    if (s.value !== null && s.value !== v(c)) out.push(`cell ${c} shows ${s.value}, raw ${v(c)}`);
    if (s.value !== null && s.value >= 1 && s.value < K) out.push(`cell ${c} shows ${s.value}`);
  }
  for (const { total, parts } of tableRelations()) {
    if (!v(total)) continue;
    const hiddenParts = parts.filter((c) => hidden(c) && v(c) > 0);
    if (!hidden(total)) {
      const remainder = v(total) - parts.filter((c) => !hidden(c)).reduce((s, c) => s + v(c), 0);
      if (remainder >= 1 && remainder < K) out.push(`total ${total} minus its shown parts gives ${remainder}`);
      if (hiddenParts.length === 1) out.push(`cell ${hiddenParts[0]} is the one hidden part of shown total ${total}`);
    } else if (!hiddenParts.length) out.push(`hidden total ${total} is the sum of its shown parts`);
  }
  return out;
}

describe('disclosure control for callers without a key', () => {
  it('on random histories, every table at every grain: nothing small shown, nothing small recoverable by subtraction, one answer per cell', { timeout: 600_000 }, async () => {
    let hiddenSeen = 0;
    await fc.assert(
      fc.asyncProperty(batch, fc.integer({ min: 0, max: 23 }), fc.constantFrom(undefined, 'JHT'), async (cmds, month, program) => {
        await given(db, toEvents(cmds));
        const end = new Date(Date.UTC(2013, month + 1, 0)).toISOString().slice(0, 10);
        const start = `${end.slice(0, 8)}01`;
        for (const t of [await table('ACTIVE_PARTICIPANTS', 'DAY', end, end, program), await table('NEW_ENROLMENTS', 'MONTH', start, end, program), await table('LAPSES', 'QUARTER', start, end)]) {
          expect(violations(t)).toEqual([]);
          hiddenSeen += [...t.shown.values()].filter((c) => c.suppressed).length;
        }
      }),
      { numRuns: 6, seed: 20261205 },
    );
    expect(hiddenSeen).toBeGreaterThan(0); // (the histories do make small cells)
  });

  it('hides no shown value in 1..K-1 in random public series: values, running totals and compared values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Measure>('ACTIVE_PARTICIPANTS', 'NEW_ENROLMENTS', 'LAPSES'),
        fc.constantFrom('MONTH', 'QUARTER', 'WEEK'),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 20, max: 500 }),
        fc.subarray<Dimension>(['REGENCY', 'SEGMENT', 'SPONSOR', 'PROGRAM'], { maxLength: 2 }),
        fc.option(fc.constantFrom(...REGENCIES, '33', '17'), { nil: undefined }),
        fc.constantFrom(undefined, 'PREVIOUS_PERIOD', 'PREVIOUS_YEAR'),
        async (measure, granularity, a, span, groupBy, region, compare) => {
          if (groupBy.includes('REGENCY')) region ??= '33'; // (all 514 regencies would be over the cost budget)
          const r = await ask(SERIES, { measure, granularity, from: dayOf(a), to: dayOf(a + span), groupBy, filter: region ? { regionCodes: [region] } : null, compare });
          expect(r.errors).toBeUndefined();
          for (const g of r.data.coverageSeries.series) {
            for (const p of g.points) for (const x of [p.value, p.cumulative, p.compareValue]) if (x !== null) expect(x === 0 || x >= K, `${JSON.stringify(g.key)} ${p.periodEnd}: ${x}`).toBe(true);
          }
        },
      ),
      { numRuns: 40, seed: 20261207 },
    );
  });

  it('shows a net change only where the enrolments and lapses it is the difference of are both shown', async () => {
    const args = { granularity: 'MONTH', from: '2013-01-01', to: '2014-12-31', groupBy: ['REGENCY'] };
    const [net, enrol, lapses] = await Promise.all(['NET_CHANGE', 'NEW_ENROLMENTS', 'LAPSES'].map((measure) => ask(SERIES, { ...args, measure })));
    const points = (b: Body) => new Map<string, { value: number | null }>(b.data.coverageSeries.series.flatMap((g: any) => g.points.map((p: any) => [`${g.key.regencyCode}|${p.periodEnd}`, p])));
    const [n, e, l] = [points(net), points(enrol), points(lapses)];
    let hidden = 0;
    for (const [id, p] of n) {
      const both = e.get(id)!.value !== null && l.get(id)!.value !== null;
      expect(p.value !== null, id).toBe(both);
      if (both) expect(p.value).toBe(e.get(id)!.value! - l.get(id)!.value!);
      else hidden++;
    }
    expect(hidden).toBeGreaterThan(0);
  });

  it('gives a key raw values, and refuses a public filter with two values of a dimension it is not grouped by, naming the field', async () => {
    const q = { measure: 'ACTIVE_PARTICIPANTS', granularity: 'MONTH', from: '2013-01-01', to: '2014-12-31', groupBy: ['PROVINCE', 'SEGMENT', 'SPONSOR'] };
    const keyed = await ask(SERIES, q, analyst);
    expect(keyed.data.coverageSeries.minCell).toBeNull();
    expect(keyed.data.coverageSeries.suppressedCount).toBe(0);
    const values = keyed.data.coverageSeries.series.flatMap((g: any) => g.points.map((p: any) => p.value));
    expect(values.some((v: number) => v >= 1 && v < K)).toBe(true);
    const pub = await ask(SERIES, q);
    expect(pub.data.coverageSeries.suppressedCount).toBeGreaterThan(0);
    expect(pub.data.coverageSeries.suppressedCount).toBe(pub.data.coverageSeries.series.flatMap((g: any) => g.points.filter((p: any) => p.suppressed)).length);

    const two = await ask(SERIES, { ...q, groupBy: [], filter: { regionCodes: ['3375', '3374'] } });
    expect(two.errors![0].extensions.code).toBe('FORBIDDEN');
    expect(two.errors![0].extensions.issues!.map((i) => i.field)).toEqual(['filter.regionCodes']);
    expect((await ask(SERIES, { ...q, groupBy: [], filter: { regionCodes: ['3375', '3374'] } }, analyst)).errors).toBeUndefined();
    // several values of a dimension the answer is grouped by: each group is still one cell
    expect((await ask(SERIES, { ...q, groupBy: ['REGENCY'], filter: { regionCodes: ['3375', '3374'] } })).errors).toBeUndefined();
    expect((await ask(SERIES, { ...q, groupBy: ['SEGMENT'], filter: { segments: ['BPU', 'PMI'] } })).errors).toBeUndefined();
    expect((await ask(SERIES, { ...q, groupBy: ['PROVINCE'], filter: { regionCodes: ['33', '17'] } })).errors).toBeUndefined();
    // ... but not regencies summed into their province
    expect((await ask(SERIES, { ...q, groupBy: ['PROVINCE'], filter: { regionCodes: ['3375', '3374'] } })).errors![0].extensions.code).toBe('FORBIDDEN');
    // employer counts are not controlled (the employer register is public): several regions stay allowed
    expect((await ask(SERIES, { ...q, measure: 'ACTIVE_EMPLOYERS', groupBy: [], filter: { regionCodes: ['3375', '3374'] } })).errors).toBeUndefined();
  });

  it('controls breakdowns, region figures, target progress and the CSV alike', async () => {
    const at = await ask('{ coverageAt(measure: ACTIVE_PARTICIPANTS, date: "2014-06-30", groupBy: [REGENCY, SEGMENT, SPONSOR], limit: 200) { regencyCode segment sponsor value suppressed } }');
    const rows = at.data.coverageAt as { value: number | null; suppressed: boolean }[];
    expect(rows.some((r) => r.suppressed)).toBe(true);
    expect(rows.every((r) => (r.value === null) === r.suppressed && (r.value === null || r.value === 0 || r.value >= K))).toBe(true);
    // hidden values come last in a top-N
    expect(rows.findIndex((r) => r.suppressed)).toBeGreaterThanOrEqual(rows.filter((r) => !r.suppressed).length);

    // a small regency: its figure is hidden from the public, shown to a key
    const small = '3201';
    const raw = await coverageSeries(db, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'DAY', from: '2014-06-30', to: '2014-06-30', filter: { regionCodes: [small], segments: ['PMI'] } });
    await given(db, [
      ev('CoverageTargetSet', '2014-01-01', { targetId: 'tiny', name: 'PMI in one regency', metric: 'ACTIVE_PARTICIPANTS', value: 1000, dueOn: '2015-12-31', scope: { regionCode: small, segment: 'PMI' }, source: 'test' }),
    ]);
    const PROGRESS = '{ targets { id progress(at: "2014-06-30") { actual suppressed ratio remaining projectedAtDue onTrack } } }';
    const target = (b: Body) => b.data.targets.find((t: any) => t.id === 'tiny').progress;
    const cell = (await ask(SERIES, { measure: 'ACTIVE_PARTICIPANTS', granularity: 'DAY', from: '2014-06-30', to: '2014-06-30', filter: { regionCodes: [small], segments: ['PMI'] } })).data.coverageSeries.series[0].points[0];
    expect(target(await ask(PROGRESS))).toMatchObject(cell.suppressed ? { actual: null, suppressed: true, ratio: null, remaining: null } : { actual: cell.value, suppressed: false });
    expect(target(await ask(PROGRESS, {}, analyst))).toMatchObject({ actual: raw.rows[0]?.value ?? 0, suppressed: false });

    const url = 'http://yoga/export/coverage.csv?measure=ACTIVE_PARTICIPANTS&granularity=MONTH&from=2014-01-01&to=2014-06-30&groupBy=REGENCY,SEGMENT';
    const csv = async (key?: string) => (await createYogaServer(app).fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} })).text();
    const publicCsv: Record<string, string>[] = parse(await csv(), { columns: true });
    const hiddenLines = publicCsv.filter((l) => l.suppressed === 'true');
    expect(hiddenLines.length).toBeGreaterThan(0);
    expect(hiddenLines.every((l) => l.value === '')).toBe(true); // an empty value
    expect((await csv(analyst)).includes(',true,')).toBe(false);
    const refused = await createYogaServer(app).fetch(`${url.replace('REGENCY,SEGMENT', 'SEGMENT')}&regionCodes=3375,3374`); // (two regencies summed)
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN', issues: [{ field: 'filter.regionCodes' }] });
    expect((await createYogaServer(app).fetch(url, { headers: { authorization: 'Bearer ck_wrong' } })).status).toBe(401);
  });
});
