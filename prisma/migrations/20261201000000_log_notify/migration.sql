-- Every committed append wakes the servers that follow the log (LISTEN
-- cakupan_log): one notification per INSERT or COPY statement, delivered at
-- commit, and PostgreSQL folds equal ones within a transaction. Appends are
-- serialised, so a follower that reads up to the head after a notification
-- never skips a lower position committed later. (The migration runner splits
-- at semicolons, so the body spells them as \073.)
CREATE FUNCTION "events_notify_append"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  PERFORM pg_notify(''cakupan_log'', '''')\073
  RETURN NULL\073
END\073';

CREATE TRIGGER "events_notify_append"
  AFTER INSERT ON "events"
  FOR EACH STATEMENT EXECUTE FUNCTION "events_notify_append"();
