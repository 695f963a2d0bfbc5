import { describe, expect, it } from 'vitest';
import { decideBatch } from '../../src/eventstore/append.ts';
import { GENESIS_HASH, sha256Chain, canonicalBytes } from '../../src/eventstore/hash.ts';
import { StreamStates } from '../../src/eventstore/stream-states.ts';
import { decodeResults, encodingBlockParser, lineBlockParser } from '../../src/importer/parse-lines.ts';
import { syntheticLines } from '../../bench/synthetic.ts';
import { testConfig } from '../support/events.ts';

// The import decides the events a parse worker encoded by copying their bytes
// into the hash input and the COPY row (see encodeResult and appendEvents);
// every other event goes through strings. Both must give the same bytes.
describe('rows and hashes from encoded events', () => {
  const synthetic = [...syntheticLines(300, 'encoded')];
  const lines = [
    ...synthetic.slice(0, 150),
    // Not plain ASCII: the string path, between plain lines.
    JSON.stringify({ eventId: '0b8f3a52-1c1e-4c43-9a52-200000000001', type: 'EmployerRegistered', effectiveOn: '2014-01-02', data: { npp: '27081341', name: 'Café "Ikan" \\ 🐟', regionCode: '3171', sizeClass: 'MIKRO' } }),
    ...synthetic.slice(150),
  ];
  const text = lines.join('\n') + '\n';
  const decide = async (events: ReturnType<typeof decodeResults>) =>
    decideBatch(
      events.map((r) => r.event!),
      new StreamStates().guess(),
      new Map(),
      { position: 41, hash: Buffer.alloc(32, 7), recordedAt: new Date('2026-11-21T10:00:00.123Z') },
      { stopOnReject: false, history: async () => [] },
    );

  it('are the same bytes as from the events as strings, lapses (region from the stream) included', async () => {
    const encoded = decodeResults(encodingBlockParser(testConfig)(text, 1));
    const plain = lineBlockParser(testConfig)(text, 1);
    expect(encoded.filter((r) => r.event?.row).length).toBe(encoded.length - 1);
    expect(plain.every((r) => r.event && !r.event.row)).toBe(true);
    const [a, b] = [(await decide(encoded))!, (await decide(plain))!];
    expect(a.rejected).toBe(false);
    expect(a.appended).toBe(lines.length);
    expect(Buffer.from(a.rows.bytes).toString('utf8')).toBe(Buffer.from(b.rows.bytes).toString('utf8'));
    expect(a.hash.equals(b.hash)).toBe(true);
  });

  it('chain as the verifier recomputes them from the stored columns', async () => {
    const decided = (await decide(decodeResults(encodingBlockParser(testConfig)(text, 1))))!;
    const columns = ['stream_id', 'event_id', 'type', 'schema_version', 'data', 'metadata', 'effective_on', 'region_code', 'position', 'stream_version', 'recorded_at', 'hash'];
    let previous: Buffer = Buffer.alloc(32, 7);
    const rows = Buffer.from(decided.rows.bytes).toString('utf8').trimEnd().split('\n');
    for (const row of rows) {
      // No field of these events needs COPY escapes except the one backslash (doubled) in the non-ASCII name.
      const f = Object.fromEntries(row.split('\t').map((v, i) => [columns[i], v.replace(/\\\\/g, '\\')]));
      const expected = sha256Chain(
        previous,
        canonicalBytes({
          position: Number(f.position), streamId: f.stream_id, streamVersion: Number(f.stream_version), eventId: f.event_id, type: f.type,
          schemaVersion: Number(f.schema_version), effectiveOn: f.effective_on, recordedAt: new Date(f.recorded_at),
          regionCode: f.region_code === '\\N' ? null : f.region_code, data: JSON.parse(f.data), metadata: JSON.parse(f.metadata),
        }),
      );
      expect(f.hash).toBe(`\\x${expected.toString('hex')}`);
      previous = expected;
    }
    expect(rows.length).toBe(lines.length);
    expect(previous.equals(GENESIS_HASH)).toBe(false);
  });
});
