-- Leaner roll-ups. Regency-level month rows (grain M) are gone: servers answer
-- from their in-memory cube, and SQL reads regency months from the day rows.
-- Key columns compare bytewise (COLLATE "C"): the codes are ASCII, and every
-- projection batch's upsert and index maintenance compares them.
-- The two BI views over the roll-ups are dropped and created again as they
-- were (their joins to regions name the collation).
DROP VIEW "bi_coverage_monthly";
DROP VIEW "bi_employers_monthly";

DELETE FROM "coverage_rollup" WHERE "grain" = 'M';
DELETE FROM "employer_rollup" WHERE "grain" = 'M';

ALTER TABLE "coverage_rollup"
  ALTER COLUMN "grain" TYPE CHAR(1) COLLATE "C",
  ALTER COLUMN "program" TYPE TEXT COLLATE "C",
  ALTER COLUMN "province" TYPE CHAR(2) COLLATE "C",
  ALTER COLUMN "region" TYPE TEXT COLLATE "C",
  ALTER COLUMN "segment" TYPE TEXT COLLATE "C",
  ALTER COLUMN "sponsor" TYPE TEXT COLLATE "C";

ALTER TABLE "employer_rollup"
  ALTER COLUMN "grain" TYPE CHAR(1) COLLATE "C",
  ALTER COLUMN "province" TYPE CHAR(2) COLLATE "C",
  ALTER COLUMN "region" TYPE TEXT COLLATE "C",
  ALTER COLUMN "size_class" TYPE TEXT COLLATE "C";

CREATE VIEW "bi_coverage_monthly" AS
WITH moves AS (
  SELECT eff AS month, province, segment, sponsor, program,
         sum(enrolments)::int AS enrolments, sum(lapses)::int AS lapses, sum(delta)::int AS net_change
    FROM coverage_rollup
   WHERE grain = 'P'
   GROUP BY eff, province, segment, sponsor, program
), cells AS (
  SELECT province, segment, sponsor, program, min(month) AS first_month FROM moves GROUP BY province, segment, sponsor, program
), grid AS (
  SELECT c.province, c.segment, c.sponsor, c.program, g.month::date AS month
    FROM cells c
   CROSS JOIN LATERAL generate_series(c.first_month, (SELECT max(month) FROM moves), interval '1 month') AS g(month)
)
SELECT g.month AS month_start,
       (g.month + interval '1 month' - interval '1 day')::date AS month_end,
       g.province AS province_code,
       r.name AS province_name,
       g.segment,
       g.sponsor,
       NULLIF(g.program, '') AS program,
       coalesce(m.enrolments, 0) AS enrolments,
       coalesce(m.lapses, 0) AS lapses,
       coalesce(m.net_change, 0) AS net_change,
       (sum(coalesce(m.net_change, 0)) OVER (PARTITION BY g.province, g.segment, g.sponsor, g.program ORDER BY g.month))::int AS active_at_month_end
  FROM grid g
  LEFT JOIN moves m ON m.province = g.province AND m.segment = g.segment AND m.sponsor = g.sponsor AND m.program = g.program AND m.month = g.month
  LEFT JOIN regions r ON r.code = (g.province COLLATE "default");

-- Registered employers and licensed businesses per month, province and size class.
CREATE VIEW "bi_employers_monthly" AS
WITH moves AS (
  SELECT eff AS month, province, size_class,
         sum(registrations)::int AS registrations, sum(deregistrations)::int AS deregistrations,
         sum(delta)::int AS net_change, sum(licensed)::int AS licensed_change
    FROM employer_rollup
   WHERE grain = 'P'
   GROUP BY eff, province, size_class
), cells AS (
  SELECT province, size_class, min(month) AS first_month FROM moves GROUP BY province, size_class
), grid AS (
  SELECT c.province, c.size_class, g.month::date AS month
    FROM cells c
   CROSS JOIN LATERAL generate_series(c.first_month, (SELECT max(month) FROM moves), interval '1 month') AS g(month)
)
SELECT g.month AS month_start,
       (g.month + interval '1 month' - interval '1 day')::date AS month_end,
       g.province AS province_code,
       r.name AS province_name,
       NULLIF(g.size_class, '') AS size_class,
       coalesce(m.registrations, 0) AS registrations,
       coalesce(m.deregistrations, 0) AS deregistrations,
       coalesce(m.net_change, 0) AS net_change,
       (sum(coalesce(m.net_change, 0)) OVER (PARTITION BY g.province, g.size_class ORDER BY g.month))::int AS active_employers_at_month_end,
       (sum(coalesce(m.licensed_change, 0)) OVER (PARTITION BY g.province, g.size_class ORDER BY g.month))::int AS licensed_at_month_end
  FROM grid g
  LEFT JOIN moves m ON m.province = g.province AND m.size_class = g.size_class AND m.month = g.month
  LEFT JOIN regions r ON r.code = (g.province COLLATE "default");
