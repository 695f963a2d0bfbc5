// The domain vocabulary shared by events, deciders and the GraphQL enums.
export const SEGMENTS = ['PU', 'BPU', 'JAKON', 'PMI'] as const;
export type Segment = (typeof SEGMENTS)[number];
export const PROGRAMS = ['JKK', 'JKM', 'JHT', 'JP', 'JKP'] as const;
export type Program = (typeof PROGRAMS)[number];
export const SPONSORS = ['SELF', 'EMPLOYER', 'GOVERNMENT'] as const;
export type Sponsor = (typeof SPONSORS)[number];
export const SIZE_CLASSES = ['MIKRO', 'KECIL', 'MENENGAH', 'BESAR'] as const;
export type SizeClass = (typeof SIZE_CLASSES)[number];
export const LAPSE_REASONS = ['NON_PAYMENT', 'EMPLOYMENT_ENDED', 'PROJECT_ENDED', 'DECEASED', 'RETIRED'] as const;
export const FORMALITIES = ['FORMAL', 'INFORMAL'] as const;
export type Formality = (typeof FORMALITIES)[number];
export const TARGET_METRICS = ['ACTIVE_PARTICIPANTS', 'COVERAGE_RATE', 'EMPLOYER_COVERAGE_RATE'] as const;

/** Segments that enrol through an employer and must name a registered one. */
export const EMPLOYER_SEGMENTS: ReadonlySet<Segment> = new Set(['PU', 'JAKON']);

/**
 * Why a set of programs does not fit a segment, or undefined when it fits:
 * JKK+JKM always; JP and JKP only for PU; JAKON exactly JKK+JKM; BPU and PMI
 * may add JHT.
 */
export function programsProblem(segment: Segment, programs: readonly Program[]): string | undefined {
  // Every enrolment is checked: no Set, filter or object on the way when the programs fit.
  let core = 0;
  let extra = false;
  const allowed = ALLOWED_PROGRAMS[segment];
  for (let i = 0; i < programs.length; i++) {
    const p = programs[i];
    if (programs.indexOf(p) !== i) return 'lists a program twice';
    if (p === 'JKK' || p === 'JKM') core += 1;
    if (!allowed.includes(p)) extra = true;
  }
  if (core !== 2) return 'must include JKK and JKM';
  if (extra) return `${programs.filter((p) => !allowed.includes(p)).join(', ')} not available to segment ${segment} (allowed: ${allowed.join(', ')})`;
  return undefined;
}

const ALLOWED_PROGRAMS: Record<Segment, readonly Program[]> = {
  PU: ['JKK', 'JKM', 'JHT', 'JP', 'JKP'],
  BPU: ['JKK', 'JKM', 'JHT'],
  PMI: ['JKK', 'JKM', 'JHT'],
  JAKON: ['JKK', 'JKM'],
};
