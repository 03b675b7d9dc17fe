-- pipefarm schema v2: predictor versions (DESIGN.md section 5, issue 5).
-- Extends the V1 placeholder table. Every statement is idempotent (H2 commits DDL at once, so an
-- interrupted migration is re-run from the start).
-- One row per trained version of one device kind: version counts 1, 2, ... per kind; at most one
-- row per kind has serving = TRUE (PredictorStore keeps that in one transaction).
-- metrics: held-out metrics of this version and of the version serving when it was trained, on the
-- same held-out architectures (JSON). data_summary: profiles, architectures, split sizes (JSON).
-- held_out: JSON array of the held-out architecture names. artifact: the PredictorArtifact zip.
-- profiles_max_id: highest profile id of the kind when the training data was read (retraining
-- counts new profiles after it).
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS family VARCHAR(32);
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS serving BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS promoted BIGINT;
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS metrics CLOB;
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS data_summary CLOB;
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS held_out CLOB;
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS profiles_max_id BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS artifact_size BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE predictors ADD COLUMN IF NOT EXISTS artifact BLOB;
CREATE UNIQUE INDEX IF NOT EXISTS predictors_kind_version ON predictors(device_kind, version);
CREATE INDEX IF NOT EXISTS predictors_serving ON predictors(device_kind, serving);
