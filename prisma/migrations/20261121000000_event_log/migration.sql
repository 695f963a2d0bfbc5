-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "events" (
    "position" BIGINT NOT NULL,
    "stream_id" TEXT NOT NULL,
    "stream_version" INTEGER NOT NULL,
    "event_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "schema_version" INTEGER NOT NULL,
    "data" JSONB NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "effective_on" DATE NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL,
    "region_code" TEXT,
    "hash" BYTEA NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("position")
);

-- CreateTable
CREATE TABLE "streams" (
    "stream_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "state" JSONB NOT NULL,
    "position" BIGINT NOT NULL,

    CONSTRAINT "streams_pkey" PRIMARY KEY ("stream_id")
);

-- CreateTable
CREATE TABLE "regions" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "parent_code" TEXT,
    "current_code" TEXT,

    CONSTRAINT "regions_pkey" PRIMARY KEY ("code")
);

-- CreateIndex
CREATE UNIQUE INDEX "events_event_id_key" ON "events"("event_id");

-- CreateIndex
CREATE INDEX "events_recorded_at_idx" ON "events" USING BRIN ("recorded_at");

-- CreateIndex
CREATE UNIQUE INDEX "events_stream_id_stream_version_key" ON "events"("stream_id", "stream_version");

-- CreateIndex
CREATE INDEX "regions_parent_code_idx" ON "regions"("parent_code");

-- AddForeignKey
ALTER TABLE "regions" ADD CONSTRAINT "regions_parent_code_fkey" FOREIGN KEY ("parent_code") REFERENCES "regions"("code") ON DELETE SET NULL ON UPDATE CASCADE;


-- The log is append-only, enforced by the database itself: corrections are new
-- events (EventRetracted), never edits. Only an owner who explicitly disables
-- this trigger can change a row, and `cakupan verify` then finds the break in
-- the hash chain.
-- The adapter-based migration runner splits scripts at every semicolon, even
-- inside quotes and comments,
-- so the PL/pgSQL body spells its semicolons as the escape \073.
CREATE FUNCTION "events_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  RAISE EXCEPTION ''events is append-only: % refused'', TG_OP
    USING ERRCODE = ''insufficient_privilege'',
          HINT = ''append a correcting event (EventRetracted) instead''\073
END\073';

CREATE TRIGGER "events_append_only"
  BEFORE UPDATE OR DELETE ON "events"
  FOR EACH ROW EXECUTE FUNCTION "events_refuse_change"();

CREATE TRIGGER "events_no_truncate"
  BEFORE TRUNCATE ON "events"
  FOR EACH STATEMENT EXECUTE FUNCTION "events_refuse_change"();

REVOKE UPDATE, DELETE, TRUNCATE ON "events" FROM PUBLIC;
