import { DIMENSIONS, MEASURES } from '../../analytics/coverage-series.ts';
import { GRANULARITIES } from '../../analytics/periods.ts';
import { FORMALITIES, LAPSE_REASONS, PROGRAMS, SEGMENTS, SIZE_CLASSES, SPONSORS, TARGET_METRICS } from '../../domain/reference/vocabulary.ts';
import { builder } from '../builder.ts';

export const SegmentEnum = builder.enumType('Segment', { values: SEGMENTS });
export const ProgramEnum = builder.enumType('Program', { values: PROGRAMS });
export const SponsorEnum = builder.enumType('Sponsor', { values: SPONSORS });
export const SizeClassEnum = builder.enumType('SizeClass', { values: SIZE_CLASSES });
export const LapseReasonEnum = builder.enumType('LapseReason', { values: LAPSE_REASONS });
export const FormalityEnum = builder.enumType('Formality', { values: FORMALITIES });
export const TargetMetricEnum = builder.enumType('TargetMetric', { values: TARGET_METRICS });
export const GranularityEnum = builder.enumType('Granularity', { values: GRANULARITIES });
export const MeasureEnum = builder.enumType('CoverageMeasure', { values: MEASURES });
export const DimensionEnum = builder.enumType('CoverageDimension', { values: DIMENSIONS });
export const ComparisonEnum = builder.enumType('Comparison', { values: ['PREVIOUS_PERIOD', 'PREVIOUS_YEAR'] as const });
