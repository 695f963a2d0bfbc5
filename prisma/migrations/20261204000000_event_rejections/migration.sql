-- What the write side decided about each event id it refused against the log
-- (a domain rule: a lapse before any enrolment, an employer that is not
-- registered, a retraction of an unknown event), so that an id's outcome is
-- final and repeatable: importing the same file again, after a crash at any
-- point, or in pieces, reports the same rejection instead of deciding the line
-- again against a later log. Appended events are final in "events" itself.
--
-- Rejections decided by the line alone (malformed JSON, an invalid field) are
-- not recorded: they come out the same every time. Neither is a refused
-- atomic batch (nothing of it was decided), a wrong expectedVersion (the
-- caller's view of the stream, to be resent) or a CONFLICT (an id reused).
--
-- Deciding a rejected id again is an explicit act (`cakupan import
-- --retry-rejected`, `appendEvents(retryRejected: true)`): the event is then
-- appended, or rejected again as a new row. The latest row (highest seq) of an
-- id that is not in the log is its outcome, older rows stay as history.
-- "issues" holds the service's own field names and reasons, never input.
CREATE TABLE "event_rejections" (
    "seq" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "content_hash" BYTEA NOT NULL,
    "type" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "issues" JSONB NOT NULL,
    "head_position" BIGINT NOT NULL,
    "rejected_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "event_rejections_pkey" PRIMARY KEY ("seq")
);

CREATE INDEX "event_rejections_event_id_seq_idx" ON "event_rejections"("event_id", "seq");

-- Append-only, like the log. The function body spells its semicolons as \073
-- (the migration runner splits at every semicolon).
CREATE FUNCTION "append_only_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  RAISE EXCEPTION ''% is append-only: % refused'', TG_TABLE_NAME, TG_OP
    USING ERRCODE = ''insufficient_privilege''\073
END\073';

CREATE TRIGGER "event_rejections_append_only"
  BEFORE UPDATE OR DELETE ON "event_rejections"
  FOR EACH ROW EXECUTE FUNCTION "append_only_refuse_change"();

CREATE TRIGGER "event_rejections_no_truncate"
  BEFORE TRUNCATE ON "event_rejections"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only_refuse_change"();

REVOKE UPDATE, DELETE, TRUNCATE ON "event_rejections" FROM PUBLIC;

-- Loads the service does on its own behalf, and how far each got: the demo
-- scenario is marked LOADING before its first batch and LOADED after its last,
-- so a start after an interrupted load resumes it (the import is idempotent)
-- instead of serving part of the demo as if it were whole.
CREATE TABLE "service_loads" (
    "name" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_loads_pkey" PRIMARY KEY ("name")
);
