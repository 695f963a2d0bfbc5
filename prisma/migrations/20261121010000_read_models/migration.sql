-- CreateTable
CREATE TABLE "projection_checkpoints" (
    "name" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projection_checkpoints_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "coverage_rollup" (
    "grain" CHAR(1) NOT NULL,
    "program" TEXT NOT NULL,
    "province" CHAR(2) NOT NULL,
    "region" TEXT NOT NULL,
    "segment" TEXT NOT NULL,
    "sponsor" TEXT NOT NULL,
    "eff" DATE NOT NULL,
    "rec" TIMESTAMPTZ(3) NOT NULL,
    "enrolments" INTEGER NOT NULL DEFAULT 0,
    "lapses" INTEGER NOT NULL DEFAULT 0,
    "delta" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "coverage_rollup_pkey" PRIMARY KEY ("grain","program","province","region","segment","sponsor","eff","rec")
);

-- CreateTable
CREATE TABLE "employer_rollup" (
    "grain" CHAR(1) NOT NULL,
    "province" CHAR(2) NOT NULL,
    "region" TEXT NOT NULL,
    "size_class" TEXT NOT NULL,
    "eff" DATE NOT NULL,
    "rec" TIMESTAMPTZ(3) NOT NULL,
    "registrations" INTEGER NOT NULL DEFAULT 0,
    "deregistrations" INTEGER NOT NULL DEFAULT 0,
    "delta" INTEGER NOT NULL DEFAULT 0,
    "licensed" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "employer_rollup_pkey" PRIMARY KEY ("grain","province","region","size_class","eff","rec")
);

-- CreateTable
CREATE TABLE "proj_workers" (
    "stream_id" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL,
    "region" TEXT NOT NULL,
    "segment" TEXT NOT NULL,
    "sponsor" TEXT NOT NULL,
    "programs" TEXT[],

    CONSTRAINT "proj_workers_pkey" PRIMARY KEY ("stream_id")
);

-- CreateTable
CREATE TABLE "employers" (
    "npp" TEXT NOT NULL,
    "province" CHAR(2) NOT NULL,
    "region_code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "size_class" TEXT NOT NULL,
    "industry" TEXT,
    "status" TEXT NOT NULL,
    "registered_on" DATE NOT NULL,
    "deregistered_on" DATE,
    "position" BIGINT NOT NULL,

    CONSTRAINT "employers_pkey" PRIMARY KEY ("npp")
);

-- CreateTable
CREATE TABLE "licences" (
    "licence_number" TEXT NOT NULL,
    "province" CHAR(2) NOT NULL,
    "region_code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "employees" INTEGER NOT NULL,
    "npp" TEXT,
    "licensed_on" DATE NOT NULL,
    "position" BIGINT NOT NULL,

    CONSTRAINT "licences_pkey" PRIMARY KEY ("licence_number")
);

-- CreateTable
CREATE TABLE "workforce_estimates" (
    "event_id" UUID NOT NULL,
    "region_code" TEXT NOT NULL,
    "segment" TEXT NOT NULL,
    "formality" TEXT NOT NULL,
    "effective_on" DATE NOT NULL,
    "count" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL,
    "retracted_at" TIMESTAMPTZ(3),

    CONSTRAINT "workforce_estimates_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "coverage_targets" (
    "target_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "due_on" DATE NOT NULL,
    "set_on" DATE NOT NULL,
    "region_code" TEXT,
    "segment" TEXT,
    "sponsor" TEXT,
    "program" TEXT,
    "source" TEXT NOT NULL,
    "position" BIGINT NOT NULL,

    CONSTRAINT "coverage_targets_pkey" PRIMARY KEY ("target_id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "employers_region_code_idx" ON "employers"("region_code");

-- CreateIndex
CREATE INDEX "licences_npp_idx" ON "licences"("npp");

-- CreateIndex
CREATE INDEX "workforce_estimates_region_code_segment_formality_effective_idx" ON "workforce_estimates"("region_code", "segment", "formality", "effective_on");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

