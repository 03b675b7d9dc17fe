-- Leases lost to a fault (the agent fell silent, left or restarted) no longer cost an attempt; they
-- are counted apart, so a job that keeps taking its agents down still ends (JobQueue.MAX_LOST_LEASES).
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS lost_leases INT DEFAULT 0 NOT NULL;
