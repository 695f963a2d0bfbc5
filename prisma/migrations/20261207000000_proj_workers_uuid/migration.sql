-- proj_workers keyed by the worker pseudonym as a uuid (16 bytes, compared as
-- bytes) instead of the stream id as text ("worker-" and 32 hex digits, 39
-- bytes, compared by the collation): the table is a third smaller, its key
-- builds in half the time, and the upserts and reads of a batch touch fewer
-- pages. Every worker stream id is "worker-" and a 128-bit HMAC in hex (the
-- importer and appendEvents pseudonymise every NIK), so rows convert in place.
ALTER TABLE "proj_workers" ALTER COLUMN "stream_id" TYPE UUID USING substr("stream_id", 8)::uuid;
ALTER TABLE "proj_workers" RENAME COLUMN "stream_id" TO "worker";
