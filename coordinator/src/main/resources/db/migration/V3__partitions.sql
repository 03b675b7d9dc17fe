-- Partition searches run through the coordinator (DESIGN.md section 8): V1 created a placeholder
-- partitions table (id, model_id, method, created); this fills it in. Idempotent (IF NOT EXISTS).
ALTER TABLE partitions ADD COLUMN IF NOT EXISTS model_ref VARCHAR(4096);
ALTER TABLE partitions ADD COLUMN IF NOT EXISTS kind VARCHAR(64);
ALTER TABLE partitions ADD COLUMN IF NOT EXISTS k INT;
-- running | done | failed
ALTER TABLE partitions ADD COLUMN IF NOT EXISTS state VARCHAR(16) DEFAULT 'running' NOT NULL;
-- the result as JSON (stages, cuts, objective, search cost); NULL until done
ALTER TABLE partitions ADD COLUMN IF NOT EXISTS result CLOB;
-- the descriptor as protobuf bytes (pipefarm.partition.PartitionDescriptor); NULL until done
ALTER TABLE partitions ADD COLUMN IF NOT EXISTS descriptor BLOB;
ALTER TABLE partitions ADD COLUMN IF NOT EXISTS error VARCHAR(4096);
ALTER TABLE partitions ADD COLUMN IF NOT EXISTS finished BIGINT;
CREATE INDEX IF NOT EXISTS partitions_state ON partitions (state);
