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
  const set = new Set(programs);
  if (set.size !== programs.length) return 'lists a program twice';
  if (!set.has('JKK') || !set.has('JKM')) return 'must include JKK and JKM';
  const allowed: Record<Segment, Program[]> = {
    PU: ['JKK', 'JKM', 'JHT', 'JP', 'JKP'],
    BPU: ['JKK', 'JKM', 'JHT'],
    PMI: ['JKK', 'JKM', 'JHT'],
    JAKON: ['JKK', 'JKM'],
  };
  const extra = programs.filter((p) => !allowed[segment].includes(p));
  if (extra.length) return `${extra.join(', ')} not available to segment ${segment} (allowed: ${allowed[segment].join(', ')})`;
  return undefined;
}
