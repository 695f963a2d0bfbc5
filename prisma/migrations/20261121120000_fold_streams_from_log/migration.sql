-- The write side now folds each stream's state from its events in the log
-- (through the (stream_id, stream_version) index) and caches it in process, so
-- the per-stream snapshot table, which every append had to upsert, goes.
-- DropTable
DROP TABLE "streams";
