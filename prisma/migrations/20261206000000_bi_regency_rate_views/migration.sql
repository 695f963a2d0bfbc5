-- BI views at regency grain, and coverage rates (issue 16).
--
-- bi_coverage_regency_monthly: participant movements per month, regency or
-- city, segment, sponsor and program (program NULL counts each worker once),
-- with the active balance at each month's end, gap-filled from each cell's
-- first movement to the last month with any movement. Read from the day rows
-- (as known now). Summed over regencies it gives bi_coverage_monthly's
-- provinces, and the national series.
CREATE VIEW "bi_coverage_regency_monthly" AS
WITH moves AS (
  SELECT date_trunc('month', d.eff)::date AS month, c.province, c.region, c.segment, c.sponsor, c.program,
         sum(d.enrolments)::int AS enrolments, sum(d.lapses)::int AS lapses, sum(d.delta)::int AS net_change
    FROM coverage_days d
    JOIN rollup_cells c ON c.id = d.cell
   GROUP BY 1, c.province, c.region, c.segment, c.sponsor, c.program
), cells AS (
  SELECT province, region, segment, sponsor, program, min(month) AS first_month FROM moves GROUP BY province, region, segment, sponsor, program
), grid AS (
  SELECT c.province, c.region, c.segment, c.sponsor, c.program, g.month::date AS month
    FROM cells c
   CROSS JOIN LATERAL generate_series(c.first_month, (SELECT max(month) FROM moves), interval '1 month') AS g(month)
)
SELECT g.month AS month_start,
       (g.month + interval '1 month' - interval '1 day')::date AS month_end,
       g.province AS province_code,
       p.name AS province_name,
       CASE WHEN length(g.region) = 4 THEN g.region END AS regency_code,
       r.name AS regency_name,
       g.segment,
       g.sponsor,
       NULLIF(g.program, '') AS program,
       coalesce(m.enrolments, 0) AS enrolments,
       coalesce(m.lapses, 0) AS lapses,
       coalesce(m.net_change, 0) AS net_change,
       (sum(coalesce(m.net_change, 0)) OVER (PARTITION BY g.region, g.segment, g.sponsor, g.program ORDER BY g.month))::int AS active_at_month_end
  FROM grid g
  LEFT JOIN moves m ON m.region = g.region AND m.segment = g.segment AND m.sponsor = g.sponsor AND m.program = g.program AND m.month = g.month
  LEFT JOIN regions p ON p.code = g.province
  LEFT JOIN regions r ON r.code = g.region AND length(g.region) = 4;

-- bi_coverage_rate_monthly: active participants at each month's end over the
-- workforce estimate in force then (the latest effective on or before the
-- month's end), nationally (region_code ''), per province and per regency,
-- for all segments (segment NULL) and per segment. As in the API, a segment
-- without its own estimate is divided by its formality's (PU: FORMAL, BPU:
-- INFORMAL). Rows exist where an estimate covers the scope.
CREATE VIEW "bi_coverage_rate_monthly" AS
WITH moves AS (
  SELECT date_trunc('month', d.eff)::date AS month, c.province, c.region, c.segment, sum(d.delta)::int AS net_change
    FROM coverage_days d
    JOIN rollup_cells c ON c.id = d.cell
   WHERE c.program = ''
   GROUP BY 1, c.province, c.region, c.segment
), cells AS (
  SELECT province, region, segment, min(month) AS first_month FROM moves GROUP BY province, region, segment
), heads AS (
  SELECT c.province, c.region, c.segment, g.month::date AS month,
         sum(coalesce(m.net_change, 0)) OVER (PARTITION BY c.region, c.segment ORDER BY g.month) AS active
    FROM cells c
   CROSS JOIN LATERAL generate_series(c.first_month, (SELECT max(month) FROM moves), interval '1 month') AS g(month)
    LEFT JOIN moves m ON m.region = c.region AND m.segment = c.segment AND m.month = g.month
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
