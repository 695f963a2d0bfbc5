-- BI views at regency grain, and coverage rates (issue 16).
--
-- bi_coverage_regency_monthly: participant movements per month, regency or
-- city, segment, sponsor and program (program NULL counts each worker once),
-- with the active balance at each month's end, gap-filled from each cell's
-- first movement to the last month with any movement. Read from the day rows
-- (as known now). Summed over regencies it gives bi_coverage_monthly's
-- provinces, and the national series. Balances are running sums per integer
-- cell id (sorting integers, not text keys), labelled at the end.
CREATE VIEW "bi_coverage_regency_monthly" AS
WITH moves AS (
  SELECT d.cell, date_trunc('month', d.eff)::date AS month,
         sum(d.enrolments)::int AS enrolments, sum(d.lapses)::int AS lapses, sum(d.delta)::int AS net_change
    FROM coverage_days d
   GROUP BY 1, 2
), cells AS (
  SELECT cell, min(month) AS first_month FROM moves GROUP BY cell
), grid AS (
  SELECT c.cell, g.month::date AS month
    FROM cells c
   CROSS JOIN LATERAL generate_series(c.first_month, (SELECT max(month) FROM moves), interval '1 month') AS g(month)
), balances AS (
  SELECT g.cell, g.month,
         coalesce(m.enrolments, 0) AS enrolments, coalesce(m.lapses, 0) AS lapses, coalesce(m.net_change, 0) AS net_change,
         (sum(coalesce(m.net_change, 0)) OVER (PARTITION BY g.cell ORDER BY g.month))::int AS active_at_month_end
    FROM grid g
    LEFT JOIN moves m ON m.cell = g.cell AND m.month = g.month
)
SELECT b.month AS month_start,
       (b.month + interval '1 month' - interval '1 day')::date AS month_end,
       c.province AS province_code,
       p.name AS province_name,
       CASE WHEN length(c.region) = 4 THEN c.region END AS regency_code,
       r.name AS regency_name,
       c.segment,
       c.sponsor,
       NULLIF(c.program, '') AS program,
       b.enrolments,
       b.lapses,
       b.net_change,
       b.active_at_month_end
  FROM balances b
  JOIN rollup_cells c ON c.id = b.cell
  LEFT JOIN regions p ON p.code = c.province
  LEFT JOIN regions r ON r.code = c.region AND length(c.region) = 4;

-- bi_coverage_rate_monthly: active participants at each month's end over the
-- workforce estimate in force then (the latest effective on or before the
-- month's end), nationally (region_code ''), per province and per regency,
-- for all segments (segment NULL) and per segment. As in the API, a segment
-- without its own estimate is divided by its formality's (PU: FORMAL, BPU:
-- INFORMAL). Rows exist where an estimate covers the scope.
CREATE VIEW "bi_coverage_rate_monthly" AS
WITH moves AS (
  SELECT d.cell, date_trunc('month', d.eff)::date AS month, sum(d.delta)::int AS net_change
    FROM coverage_days d
    JOIN rollup_cells c ON c.id = d.cell
   WHERE c.program = ''
   GROUP BY 1, 2
), cells AS (
  SELECT cell, min(month) AS first_month FROM moves GROUP BY cell
), heads AS (
  SELECT x.province, x.region, x.segment, b.month, b.active
    FROM (
      SELECT g.cell, g.month::date AS month, sum(coalesce(m.net_change, 0)) OVER (PARTITION BY g.cell ORDER BY g.month) AS active
        FROM (SELECT c.cell, s.month FROM cells c CROSS JOIN LATERAL generate_series(c.first_month, (SELECT max(month) FROM moves), interval '1 month') AS s(month)) g
        LEFT JOIN moves m ON m.cell = g.cell AND m.month = g.month
    ) b
    JOIN rollup_cells x ON x.id = b.cell
), scopes AS (
  SELECT month,
         CASE WHEN GROUPING(province) = 1 THEN 'NATIONAL' WHEN GROUPING(region) = 1 THEN 'PROVINCE' ELSE 'REGENCY' END AS region_level,
         CASE WHEN GROUPING(province) = 1 THEN '' WHEN GROUPING(region) = 1 THEN province ELSE region END AS region_code,
         CASE WHEN GROUPING(segment) = 1 THEN '' ELSE segment END AS segment,
         sum(active)::int AS active
    FROM heads
   GROUP BY GROUPING SETS ((month), (month, segment), (month, province), (month, province, segment), (month, province, region), (month, province, region, segment))
)
SELECT s.month AS month_start,
       (s.month + interval '1 month' - interval '1 day')::date AS month_end,
       s.region_level,
       s.region_code,
       r.name AS region_name,
       NULLIF(s.segment, '') AS segment,
       s.active AS active_at_month_end,
       w.workforce,
       s.active::float8 / w.workforce AS coverage_rate
  FROM scopes s
  CROSS JOIN LATERAL (
    SELECT coalesce(
      (SELECT e.count FROM workforce_estimates e
        WHERE e.retracted_at IS NULL AND e.region_code = s.region_code AND e.segment = s.segment AND (s.segment <> '' OR e.formality = '')
          AND e.effective_on <= (s.month + interval '1 month' - interval '1 day')::date
        ORDER BY e.effective_on DESC, e.recorded_at DESC LIMIT 1),
      (SELECT e.count FROM workforce_estimates e
        WHERE e.retracted_at IS NULL AND e.region_code = s.region_code AND e.segment = '' AND s.segment <> ''
          AND e.formality = CASE s.segment WHEN 'PU' THEN 'FORMAL' WHEN 'BPU' THEN 'INFORMAL' END
          AND e.effective_on <= (s.month + interval '1 month' - interval '1 day')::date
        ORDER BY e.effective_on DESC, e.recorded_at DESC LIMIT 1)
    ) AS workforce
  ) w
  LEFT JOIN regions r ON r.code = s.region_code
 WHERE (s.region_level <> 'REGENCY' OR length(s.region_code) = 4)
   AND w.workforce > 0;
