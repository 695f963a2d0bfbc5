import { PseudonymTable } from '../eventstore/compact-states.ts';
import type { Cells } from './cells.ts';
import { NO_WORKER, workerCell, type WorkerCell } from './movements.ts';

/**
 * Each worker's cell as the participants projection last committed it
 * (`proj_workers`), kept by the process that projects, so a batch need not
 * read its workers back from the table: at a tenth of national scale that
 * read was a third of the projection's database time. One 32-bit word per
 * worker in a {@link PseudonymTable} (about 20 bytes a worker).
 *
 * It is only used at the checkpoint it is current at (`position`): a batch
 * from any other position (another process projected meanwhile, a rebuild)
 * starts it again, and a batch that is not committed drops it. It is
 * `complete` when it has followed this process's batches from an empty read
 * model: a worker it does not hold then has no row either; otherwise the
 * workers it lacks are read from the table.
 */
export class WorkerCells {
  readonly #table: PseudonymTable;
  /** Checkpoint the cache is current at; -1 when it holds nothing usable. */
  position = -1;
  complete = false;
  /** The state decoded from each packed word (a cell's workers share a handful). */
  readonly #decoded = new Map<number, WorkerCell>();

  constructor(maxWorkers = 16_000_000) {
    // (cell ids stay far below 2^25, the room the packed word leaves them: a cell is a regency × segment × sponsor)
    this.#table = new PseudonymTable(1, maxWorkers);
  }

  get size(): number {
    return this.#table.size;
  }

  /** Called with the checkpoint a batch starts from: keeps the cache if it is current there, else starts it again. */
  startAt(position: number): void {
    if (position === this.position) return;
    this.#table.clear();
    this.#decoded.clear();
    this.position = position;
    this.complete = position === 0;
  }

  /** The worker's committed cell: a state, NO_WORKER when the cache knows it has none, undefined when it does not know. */
  get(id: string, cells: Cells): WorkerCell | undefined {
    const slot = this.#table.find(id);
    if (slot < 0) return this.complete && PseudonymTable.holds(id) ? NO_WORKER : undefined;
    const packed = this.#table.values[slot]!;
    let state = this.#decoded.get(packed);
    if (state === undefined) {
      const { region, dims } = cells.get(packed >>> 6);
      this.#decoded.set(packed, (state = workerCell(region, dims[1]!, dims[2]!, (packed >>> 1) & 31, (packed & 1) === 1)));
    }
    return state;
  }

  /**
   * The states a committed batch left, each with its regency cell id (see
   * `saveWorkers`; no cell: the worker counts nowhere), now current at `position`.
   * A state it cannot hold (a full table) makes the cache incomplete.
   */
  committed(states: Iterable<[string, WorkerCell, number | undefined]>, position: number): void {
    // a batch of another catch-up of this process committed after this one: the cache moved on (and read those workers back)
    if (position < this.position) return;
    for (const [id, state, cell] of states) {
      // a worker that counts nowhere has no row: its absence says so (complete: NO_WORKER; else the table has none)
      const slot = cell === undefined ? -1 : this.#table.insert(id);
      if (slot < 0) {
        this.#table.delete(id);
        // a worker the table cannot hold (full, or an id that is no pseudonym) must be read back from now on
        if (cell !== undefined) this.complete = false;
        continue;
      }
      this.#table.values[slot] = (cell! << 6) | (state.programs << 1) | (state.active ? 1 : 0);
    }
    this.position = position;
  }

  /** After a batch that did not commit: nothing the cache holds can be trusted. */
  drop(): void {
    this.#table.clear();
    this.#decoded.clear();
    this.position = -1;
    this.complete = false;
  }
}
