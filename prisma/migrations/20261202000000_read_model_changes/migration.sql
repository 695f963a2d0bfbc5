-- What each projection batch changed in the roll-ups, as day-level deltas
-- (no recorded time), so every server's in-memory cube can follow the read
-- models without re-reading them. One row per committed batch, written in the
-- batch's transaction with its checkpoint. A batch too large to ship leaves
-- "changes" NULL (servers reload instead). Rows older than a few minutes are
-- pruned by the projector, and rebuild empties the table.
CREATE TABLE "read_model_changes" (
    "to_position" BIGINT NOT NULL,
    "from_position" BIGINT NOT NULL,
    "changes" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "read_model_changes_pkey" PRIMARY KEY ("to_position")
);
