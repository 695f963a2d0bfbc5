import { describe, expect, it } from 'vitest';
import { comparedPeriod, periods } from '../../src/analytics/periods.ts';

describe('comparedPeriod', () => {
  it('compares a whole period with the whole previous one, also across a leap year', () => {
    expect(comparedPeriod('YEAR', { start: '2021-01-01', end: '2021-12-31' }, 'PREVIOUS_PERIOD')).toEqual({ start: '2020-01-01', end: '2020-12-31' });
    expect(comparedPeriod('YEAR', { start: '2017-01-01', end: '2017-12-31' }, 'PREVIOUS_PERIOD')).toEqual({ start: '2016-01-01', end: '2016-12-31' });
    expect(comparedPeriod('MONTH', { start: '2023-03-01', end: '2023-03-31' }, 'PREVIOUS_PERIOD')).toEqual({ start: '2023-02-01', end: '2023-02-28' });
  });

  it('keeps the clipping of a period cut short by `to` (month to date)', () => {
    const [p] = periods('MONTH', '2023-03-01', '2023-03-10');
    expect(comparedPeriod('MONTH', p, 'PREVIOUS_PERIOD')).toEqual({ start: '2023-02-01', end: '2023-02-10' });
    expect(comparedPeriod('MONTH', p, 'PREVIOUS_YEAR')).toEqual({ start: '2022-03-01', end: '2022-03-10' });
  });
});
