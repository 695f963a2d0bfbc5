import type { Sql } from '../db/database.ts';
import { readStream, type LogEvent } from './log-event.ts';
import {
  negatedEmployerMove,
  NO_EMPLOYER,
  NO_LICENCE,
  refold,
  stepEmployer,
  stepLicence,
  type EmployerCell,
  type EmployerMove,
  type LicenceCell,
  type Step,
} from './movements.ts';
import { tableDigest, type Projection } from './projection.ts';
import { rollupDigests, RollupWriter } from './rollup-writer.ts';

type Kind<S> = { prefix: string; initial: S; step: Step<S, EmployerMove> };
const EMPLOYER: Kind<EmployerCell> = { prefix: 'employer-', initial: NO_EMPLOYER, step: stepEmployer };
const LICENCE: Kind<LicenceCell> = { prefix: 'licence-', initial: NO_LICENCE, step: stepLicence };

/** Registered employers and licensed businesses: the employers and licences tables and the employer roll-ups. */
export const employers: Projection = {
  name: 'employers',
  tables: ['employer_days', 'employer_vintages', 'employer_recorded', 'employers', 'licences'],

  async apply(tx, events, batch) {
    const writer = new RollupWriter('employer', batch);
    const emps = await run(tx, events, EMPLOYER, writer, (ids) => loadEmployers(tx, ids));
    const lics = await run(tx, events, LICENCE, writer, (ids) => loadLicences(tx, ids));
    await writer.flush(tx);
    await saveEmployers(tx, emps);
    await saveLicences(tx, lics);
  },

  async digest(sql) {
    return [
      ...(await rollupDigests(sql, 'employer')),
      await tableDigest(sql, 'employers', 'npp'),
      await tableDigest(sql, 'licences', 'licence_number'),
    ].join(':');
  },
};

async function run<S>(
  tx: Sql,
  events: LogEvent[],
  kind: Kind<S>,
  writer: RollupWriter,
  load: (ids: string[]) => Promise<Map<string, S>>,
): Promise<Map<string, { state: S; position: number }>> {
  const mine = events.filter((e) => e.streamId.startsWith(kind.prefix));
  const out = new Map<string, { state: S; position: number }>();
  if (!mine.length) return out;
  const states = await load([...new Set(mine.map((e) => e.streamId.slice(kind.prefix.length)))]);
  let recordedMs = 0;
  const move: EmployerMove = (m) =>
    writer.add(m.eff, m.region, recordedMs, [m.sizeClass], [m.registrations, m.deregistrations, m.delta, m.licensed]);
  for (const e of mine) {
    const id = e.streamId.slice(kind.prefix.length);
    recordedMs = e.recordedMs;
    const next =
      e.type === 'EventRetracted'
        ? refold(kind.step, kind.initial, await readStream(tx, e.streamId, e.position), negatedEmployerMove, move)
        : kind.step(states.get(id) ?? kind.initial, e, move);
    states.set(id, next);
    out.set(id, { state: next, position: e.position });
  }
  return out;
}

async function loadEmployers(tx: Sql, npps: string[]): Promise<Map<string, EmployerCell>> {
  const rows = await tx.query<{ npp: string; status: string; region_code: string; size_class: string; name: string; industry: string | null; registered_on: string; deregistered_on: string | null }>(
    'SELECT npp, status, region_code, size_class, name, industry, registered_on, deregistered_on FROM employers WHERE npp = ANY($1::text[])',
    [npps],
  );
  return new Map(
    rows.map((r) => [
      r.npp,
      { registered: r.status === 'REGISTERED', region: r.region_code, sizeClass: r.size_class, name: r.name, industry: r.industry, registeredOn: r.registered_on, deregisteredOn: r.deregistered_on },
    ]),
  );
}

async function saveEmployers(tx: Sql, items: Map<string, { state: EmployerCell; position: number }>): Promise<void> {
  const live = [...items].filter(([, v]) => v.state.registeredOn);
  const gone = [...items].filter(([, v]) => !v.state.registeredOn).map(([npp]) => npp);
  if (gone.length) await tx.query('DELETE FROM employers WHERE npp = ANY($1::text[])', [gone]); // fully retracted
  if (!live.length) return;
  await tx.query(
    `INSERT INTO employers (npp, province, region_code, name, size_class, industry, status, registered_on, deregistered_on, position)
     SELECT npp, left(region, 2), region, name, "sizeClass", industry, CASE WHEN registered THEN 'REGISTERED' ELSE 'DEREGISTERED' END,
            "registeredOn", "deregisteredOn", position
       FROM jsonb_to_recordset($1::jsonb) AS r(npp text, region text, name text, "sizeClass" text, industry text, registered boolean,
            "registeredOn" date, "deregisteredOn" date, position bigint)
     ON CONFLICT (npp) DO UPDATE SET province = EXCLUDED.province, region_code = EXCLUDED.region_code, name = EXCLUDED.name,
       size_class = EXCLUDED.size_class, industry = EXCLUDED.industry, status = EXCLUDED.status,
       registered_on = EXCLUDED.registered_on, deregistered_on = EXCLUDED.deregistered_on, position = EXCLUDED.position`,
    [JSON.stringify(live.map(([npp, v]) => ({ npp, ...v.state, position: v.position })))],
  );
}

async function loadLicences(tx: Sql, numbers: string[]): Promise<Map<string, LicenceCell>> {
  const rows = await tx.query<{ licence_number: string; region_code: string; name: string; employees: number; npp: string | null; licensed_on: string }>(
    'SELECT licence_number, region_code, name, employees, npp, licensed_on FROM licences WHERE licence_number = ANY($1::text[])',
    [numbers],
  );
  return new Map(rows.map((r) => [r.licence_number, { licensed: true, region: r.region_code, name: r.name, employees: r.employees, npp: r.npp, licensedOn: r.licensed_on }]));
}

async function saveLicences(tx: Sql, items: Map<string, { state: LicenceCell; position: number }>): Promise<void> {
  const live = [...items].filter(([, v]) => v.state.licensed);
  const gone = [...items].filter(([, v]) => !v.state.licensed).map(([n]) => n);
  if (gone.length) await tx.query('DELETE FROM licences WHERE licence_number = ANY($1::text[])', [gone]);
  if (!live.length) return;
  await tx.query(
    `INSERT INTO licences (licence_number, province, region_code, name, employees, npp, licensed_on, position)
     SELECT n, left(region, 2), region, name, employees, npp, "licensedOn", position
       FROM jsonb_to_recordset($1::jsonb) AS r(n text, region text, name text, employees int, npp text, "licensedOn" date, position bigint)
     ON CONFLICT (licence_number) DO UPDATE SET province = EXCLUDED.province, region_code = EXCLUDED.region_code, name = EXCLUDED.name,
       employees = EXCLUDED.employees, npp = EXCLUDED.npp, licensed_on = EXCLUDED.licensed_on, position = EXCLUDED.position`,
    [JSON.stringify(live.map(([n, v]) => ({ n, ...v.state, position: v.position })))],
  );
}
