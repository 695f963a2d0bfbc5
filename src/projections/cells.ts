import type { Sql } from '../db/database.ts';

/** The two facts roll-ups count: participants (coverage) and employers. */
export type Fact = 'coverage' | 'employer';

export type FactSpec = {
  /** dimension columns after the region, in the order roll-up keys and read_model_changes carry them */
  dims: readonly string[];
  measures: readonly string[];
  /** the roll-up tables: as known now per day, vintages per recorded month, exact recorded instants */
  days: string;
  vintages: string;
  recorded: string;
};

export const FACTS: Record<Fact, FactSpec> = {
  coverage: {
    dims: ['program', 'segment', 'sponsor'],
    measures: ['enrolments', 'lapses', 'delta'],
    days: 'coverage_days',
    vintages: 'coverage_vintages',
    recorded: 'coverage_recorded',
  },
  employer: {
    dims: ['size_class'],
    measures: ['registrations', 'deregistrations', 'delta', 'licensed'],
    days: 'employer_days',
    vintages: 'employer_vintages',
    recorded: 'employer_recorded',
  },
};

export const FACT_NAMES = Object.keys(FACTS) as Fact[];
const DIM_COLUMNS = ['program', 'segment', 'sponsor', 'size_class'] as const;

/** One cell's fields, as rollup_cells holds them. */
export type CellFields = { fact: Fact; region: string; dims: readonly string[] };

/**
 * The cells roll-up rows count in, by integer id: read once per projection
 * batch, new ones numbered in memory (the projection lock makes this process
 * the only writer) and written with the batch.
 */
export class Cells {
  private ids = new Map<string, number>();
  private fields: CellFields[] = [];
  private added: number[] = [];

  private constructor(private next: number) {}

  static async load(tx: Sql): Promise<Cells> {
    const rows = await tx.query<{ id: number; fact: Fact; region: string; program: string; segment: string; sponsor: string; size_class: string }>(
      'SELECT id, fact, region, program, segment, sponsor, size_class FROM rollup_cells',
    );
    const cells = new Cells(rows.reduce((m, r) => Math.max(m, r.id), 0) + 1);
    for (const r of rows) {
      const f: CellFields = { fact: r.fact, region: r.region, dims: FACTS[r.fact].dims.map((d) => r[d as (typeof DIM_COLUMNS)[number]]) };
      cells.ids.set(keyOf(f.fact, f.region, f.dims), r.id);
      cells.fields[r.id] = f;
    }
    return cells;
  }

  /** The id of a cell, numbering it when new. */
  id(fact: Fact, region: string, dims: readonly string[]): number {
    const key = keyOf(fact, region, dims);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(key, id);
      this.fields[id] = { fact, region, dims: [...dims] };
      this.added.push(id);
    }
    return id;
  }

  get(id: number): CellFields {
    const f = this.fields[id];
    if (!f) throw new Error(`no roll-up cell ${id}`);
    return f;
  }

  /** Writes the cells numbered since the load. */
  async flush(tx: Sql): Promise<void> {
    if (!this.added.length) return;
    let text = '';
    for (const id of this.added) {
      const { fact, region, dims } = this.fields[id];
      const values: Record<string, string> = { program: '', segment: '', sponsor: '', size_class: '' };
      FACTS[fact].dims.forEach((d, i) => (values[d] = dims[i]));
      text += `${id}\t${fact}\t${region.slice(0, 2)}\t${region}\t${DIM_COLUMNS.map((c) => values[c]).join('\t')}\n`;
    }
    await tx.copyIn('rollup_cells', ['id', 'fact', 'province', 'region', ...DIM_COLUMNS], text);
    this.added = [];
  }
}

// (codes and vocabulary values never hold a tab)
const keyOf = (fact: Fact, region: string, dims: readonly string[]) => `${fact}\t${region}\t${dims.join('\t')}`;
