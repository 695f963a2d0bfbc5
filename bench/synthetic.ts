import { createHash } from 'node:crypto';

// Synthetic but valid import lines for benchmarks: employers, then workers
// enrolling with them, a share lapsing later. Deterministic for a given n.
const REGENCIES = ['3375', '3325', '3171', '3273', '1706', '1701', '3578', '5171', '6471', '7371'];

export function uuidFor(i: number, salt = 'bench'): string {
  const h = createHash('sha1').update(`${salt}:${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function nikFor(i: number): string {
  const regency = REGENCIES[i % REGENCIES.length];
  const day = 1 + (i % 28) + (i % 2 ? 40 : 0);
  const month = 1 + (Math.floor(i / 28) % 12);
  const year = 60 + (i % 40);
  const serial = 1 + (Math.floor(i / 1000) % 9999);
  return `${regency}01${String(day).padStart(2, '0')}${String(month).padStart(2, '0')}${String(year).padStart(2, '0')}${String(serial).padStart(4, '0')}`.slice(0, 16);
}

export function* syntheticLines(n: number, salt = 'bench'): Generator<string> {
  const employers = Math.max(1, Math.floor(n / 50));
  let id = 0;
  const line = (type: string, effectiveOn: string, data: object) =>
    JSON.stringify({ eventId: uuidFor(id++, salt), type, effectiveOn, data });
  for (let e = 0; e < employers; e++) {
    yield line('EmployerRegistered', '2013-01-02', { npp: String(10000000 + e), name: `PT Bench ${e}`, regionCode: REGENCIES[e % REGENCIES.length], sizeClass: 'KECIL' });
  }
  // Each worker has a distinct NIK (serial varies with the worker index).
  let w = 0;
  while (id < n) {
    const nik = nikFor(w).slice(0, 12) + String(1 + (w % 9999)).padStart(4, '0');
    const worker = `${nik.slice(0, 6)}${nik.slice(6, 12)}`;
    const regency = REGENCIES[w % REGENCIES.length];
    const unique = `${regency}${worker.slice(4, 12)}${String(1 + (Math.floor(w / 10) % 9999)).padStart(4, '0')}`;
    const pu = w % 2 === 0;
    yield line('WorkerEnrolled', `2014-${String(1 + (w % 12)).padStart(2, '0')}-10`, {
      nik: unique,
      segment: pu ? 'PU' : 'BPU',
      programs: pu ? ['JKK', 'JKM', 'JHT', 'JP'] : ['JKK', 'JKM'],
      regionCode: regency,
      sponsor: pu ? 'EMPLOYER' : 'SELF',
      ...(pu ? { employerNpp: String(10000000 + (w % employers)) } : {}),
    });
    if (id < n && w % 3 === 0) yield line('WorkerLapsed', '2016-06-30', { nik: unique, reason: 'NON_PAYMENT' });
    w++;
  }
}
