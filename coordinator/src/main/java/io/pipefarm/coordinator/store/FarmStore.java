package io.pipefarm.coordinator.store;

import java.nio.file.Path;

/**
 * The coordinator's store: a migrated {@link Database} and the small stores over it. Thread-safe;
 * every operation is one transaction. Instants are epoch milliseconds passed in by the caller.
 */
public final class FarmStore implements AutoCloseable {

    private final Database db;
    private final ModelStore models;
    private final SegmentStore segments;
    private final AgentStore agents;
    private final CampaignStore campaigns;
    private final JobQueue jobs;
    private final ProfileStore profiles;
    private final PredictorStore predictors;
    private final PartitionStore partitions;

    private FarmStore(Database db) {
        this.db = db;
        this.models = new ModelStore(db);
        this.segments = new SegmentStore(db);
        this.agents = new AgentStore(db);
        this.campaigns = new CampaignStore(db);
        this.jobs = new JobQueue(db);
        this.profiles = new ProfileStore(db);
        this.predictors = new PredictorStore(db);
        this.partitions = new PartitionStore(db);
    }

    /** Migrates {@code db} to the current schema and wraps it; closing the store closes {@code db}. */
    public static FarmStore open(Database db) {
        Migrations.fromClasspath().migrate(db);
        return new FarmStore(db);
    }

    /** Opens a database by JDBC URL (see {@link Database#fileUrl}, {@link Database#memUrl}). */
    public static FarmStore open(String jdbcUrl) {
        Database db = Database.open(jdbcUrl);
        try {
            return open(db);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Opens the embedded file database in {@code dir} (created if missing). */
    public static FarmStore openDir(Path dir) {
        return open(Database.fileUrl(dir));
    }

    public Database database() {
        return db;
    }

    public ModelStore models() {
        return models;
    }

    public SegmentStore segments() {
        return segments;
    }

    public AgentStore agents() {
        return agents;
    }

    public CampaignStore campaigns() {
        return campaigns;
    }

    public JobQueue jobs() {
        return jobs;
    }

    public ProfileStore profiles() {
        return profiles;
    }

    public PredictorStore predictors() {
        return predictors;
    }

    public PartitionStore partitions() {
        return partitions;
    }

    @Override
    public void close() {
        db.close();
    }
}
