-- Roll-ups keyed by integer cells, sized by what they describe.
--
-- rollup_cells names each cell once (fact, region, program, segment, sponsor,
-- size class). A regency cell has a 4-digit region and a province cell a
-- 2-digit one. Every roll-up row carries the cell's id instead of its text
-- key, so index upkeep and reads compare integers.
--
-- Three tables per fact (coverage, employer):
--   *_days      regency cell x effective day, as known now (no recorded time)
--   *_vintages  province cell x effective month x recorded month (Asia/Jakarta):
--               what each month of recording added, for as-of cuts
--   *_recorded  regency cell x effective day x exact recorded instant, appended
--               once per projection batch (no upsert): the exact tail of an
--               as-of cut within its recorded month, and regency-level cuts
-- Workers' projection state is compact: the cell counting the worker once,
-- and the programs as a bitmask.
--
-- The read models are emptied: the next start (or cakupan project) replays
-- the log into the new tables.
DROP VIEW "bi_coverage_monthly";
DROP VIEW "bi_employers_monthly";
DROP TABLE "coverage_rollup";
DROP TABLE "employer_rollup";
DROP TABLE "proj_workers";

DELETE FROM "employers";
DELETE FROM "licences";
DELETE FROM "workforce_estimates";
DELETE FROM "coverage_targets";
DELETE FROM "projection_checkpoints";
DELETE FROM "read_model_changes";

CREATE TABLE "rollup_cells" (
  "id" INTEGER NOT NULL,
  "fact" TEXT NOT NULL,
  "province" CHAR(2) NOT NULL,
  "region" TEXT NOT NULL,
  "program" TEXT NOT NULL DEFAULT '',
  "segment" TEXT NOT NULL DEFAULT '',
  "sponsor" TEXT NOT NULL DEFAULT '',
  "size_class" TEXT NOT NULL DEFAULT '',
  CONSTRAINT "rollup_cells_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "rollup_cells_fact_region_program_segment_sponsor_size_class_key" ON "rollup_cells" ("fact", "region", "program", "segment", "sponsor", "size_class");

CREATE TABLE "coverage_days" (
  "cell" INTEGER NOT NULL,
  "eff" DATE NOT NULL,
  "enrolments" INTEGER NOT NULL DEFAULT 0,
  "lapses" INTEGER NOT NULL DEFAULT 0,
  "delta" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "coverage_days_pkey" PRIMARY KEY ("cell", "eff")
);
CREATE TABLE "coverage_vintages" (
  "cell" INTEGER NOT NULL,
  "month" DATE NOT NULL,
  "vintage" DATE NOT NULL,
  "enrolments" INTEGER NOT NULL DEFAULT 0,
  "lapses" INTEGER NOT NULL DEFAULT 0,
  "delta" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "coverage_vintages_pkey" PRIMARY KEY ("cell", "month", "vintage")
);
CREATE TABLE "coverage_recorded" (
  "cell" INTEGER NOT NULL,
  "eff" DATE NOT NULL,
  "rec" TIMESTAMPTZ(3) NOT NULL,
  "enrolments" INTEGER NOT NULL DEFAULT 0,
  "lapses" INTEGER NOT NULL DEFAULT 0,
  "delta" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "coverage_recorded_rec_idx" ON "coverage_recorded" USING BRIN ("rec");

CREATE TABLE "employer_days" (
  "cell" INTEGER NOT NULL,
  "eff" DATE NOT NULL,
  "registrations" INTEGER NOT NULL DEFAULT 0,
  "deregistrations" INTEGER NOT NULL DEFAULT 0,
  "delta" INTEGER NOT NULL DEFAULT 0,
  "licensed" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "employer_days_pkey" PRIMARY KEY ("cell", "eff")
);
CREATE TABLE "employer_vintages" (
  "cell" INTEGER NOT NULL,
  "month" DATE NOT NULL,
  "vintage" DATE NOT NULL,
  "registrations" INTEGER NOT NULL DEFAULT 0,
  "deregistrations" INTEGER NOT NULL DEFAULT 0,
  "delta" INTEGER NOT NULL DEFAULT 0,
  "licensed" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "employer_vintages_pkey" PRIMARY KEY ("cell", "month", "vintage")
);
CREATE TABLE "employer_recorded" (
  "cell" INTEGER NOT NULL,
  "eff" DATE NOT NULL,
  "rec" TIMESTAMPTZ(3) NOT NULL,
  "registrations" INTEGER NOT NULL DEFAULT 0,
  "deregistrations" INTEGER NOT NULL DEFAULT 0,
  "delta" INTEGER NOT NULL DEFAULT 0,
  "licensed" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "employer_recorded_rec_idx" ON "employer_recorded" USING BRIN ("rec");

CREATE TABLE "proj_workers" (
  "stream_id" TEXT NOT NULL,
  "active" BOOLEAN NOT NULL,
  "cell" INTEGER NOT NULL,
  "programs" SMALLINT NOT NULL,
  CONSTRAINT "proj_workers_pkey" PRIMARY KEY ("stream_id")
);

-- Participant movements per month, province, segment, sponsor and program
-- (program NULL counts each worker once), with the active balance at each
-- month's end, gap-filled: the flat table a BI tool reads.
CREATE VIEW "bi_coverage_monthly" AS
WITH moves AS (
  SELECT v.month, c.province, c.segment, c.sponsor, c.program,
         sum(v.enrolments)::int AS enrolments, sum(v.lapses)::int AS lapses, sum(v.delta)::int AS net_change
    FROM coverage_vintages v
    JOIN rollup_cells c ON c.id = v.cell
   GROUP BY v.month, c.province, c.segment, c.sponsor, c.program
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
  LEFT JOIN regions r ON r.code = g.province;

-- Registered employers and licensed businesses per month, province and size class.
CREATE VIEW "bi_employers_monthly" AS
WITH moves AS (
  SELECT v.month, c.province, c.size_class,
         sum(v.registrations)::int AS registrations, sum(v.deregistrations)::int AS deregistrations,
         sum(v.delta)::int AS net_change, sum(v.licensed)::int AS licensed_change
    FROM employer_vintages v
    JOIN rollup_cells c ON c.id = v.cell
   GROUP BY v.month, c.province, c.size_class
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
  LEFT JOIN regions r ON r.code = g.province;
