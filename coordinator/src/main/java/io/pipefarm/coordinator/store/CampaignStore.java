package io.pipefarm.coordinator.store;

import java.sql.Clob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Campaigns: creation with their job list, pause/resume/cancel, status.
 *
 * <p>Dedup rules at creation, per distinct (segment key, device kind) pair:
 * <ol>
 *   <li>a pair that already has a profile is skipped unless {@code reprofile} is set;</li>
 *   <li>a pair with a job already queued or leased (in any campaign, paused ones included) is
 *       skipped even with {@code reprofile}: that job will produce the fresh profile;</li>
 *   <li>otherwise one job is enqueued.</li>
 * </ol>
 * The counts of both kinds of skip are kept with the campaign. A campaign whose pairs were all
 * skipped is done at once. A campaign is done when no queued or leased job remains: the campaign
 * row counts its open jobs ({@code open_jobs}), decremented in the transaction that closes each job.
 */
public final class CampaignStore {

    /** Default leases per job before it is marked failed. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    public record Campaign(
            long id,
            String name,
            CampaignState state,
            boolean reprofile,
            long skippedProfiled,
            long skippedInFlight,
            long createdMs,
            Long finishedMs) {}

    public record Created(
            long campaignId, int jobsEnqueued, int skippedProfiled, int skippedInFlight, CampaignState state) {}

    /**
     * Progress of a campaign. {@code doneRatePerSec} counts jobs closed as done within the window
     * (or since creation, if shorter); {@code etaSeconds} is open jobs / rate, -1 when unknown.
     */
    public record Status(
            Campaign campaign, Map<JobState, Long> counts, long total, double doneRatePerSec, double etaSeconds) {
        public long count(JobState s) {
            return counts.getOrDefault(s, 0L);
        }

        public long open() {
            return count(JobState.QUEUED) + count(JobState.LEASED);
        }
    }

    private static final String COLS =
            "id, name, state, reprofile, skipped_profiled, skipped_in_flight, created, finished";
    private final Database db;
    private final Map<Long, String> specCache = new ConcurrentHashMap<>();

    public CampaignStore(Database db) {
        this.db = db;
    }

    /**
     * Creates a running campaign with one job per (segment key, device kind) pair, after the dedup
     * rules in the class comment. Segment keys must be stored already; device kinds are registered
     * if new.
     */
    public Created create(
            String name,
            String specJson,
            Collection<String> segmentKeys,
            Collection<String> deviceKinds,
            boolean reprofile,
            int maxAttempts,
            long nowMs) {
        if (name == null || name.isBlank()) {
            throw StoreException.badInput("a campaign needs a non-empty name");
        }
        if (segmentKeys == null || segmentKeys.isEmpty()) {
            throw StoreException.badInput("campaign '" + name + "' has no segments to profile");
        }
        if (deviceKinds == null || deviceKinds.isEmpty()) {
            throw StoreException.badInput("campaign '" + name + "' has no device kinds to profile on");
        }
        if (maxAttempts < 1) {
            throw StoreException.badInput("max attempts must be >= 1, got " + maxAttempts);
        }
        Set<String> keys = new LinkedHashSet<>(segmentKeys);
        Set<String> kinds = new LinkedHashSet<>(deviceKinds);
        for (String k : keys) {
            SegmentStore.checkKey(k);
        }
        for (String kind : kinds) {
            AgentStore.checkKind(kind);
        }
        Created created = db.txDurable(tx -> {
            PreparedStatement seg = tx.ps("SELECT 1 FROM segments WHERE segment_key = ?");
            for (String k : keys) {
                seg.setString(1, k);
                try (ResultSet rs = seg.executeQuery()) {
                    if (!rs.next()) {
                        throw StoreException.badInput("campaign '" + name + "' names segment " + k
                                + ", which is not stored; store its blob first");
                    }
                }
            }
            for (String kind : kinds) {
                AgentStore.ensureKind(tx, kind, nowMs);
            }
            PreparedStatement ins = tx.psKeys("INSERT INTO campaigns (name, state, spec, reprofile, skipped_profiled, "
                    + "skipped_in_flight, created) VALUES (?, 'running', ?, ?, 0, 0, ?)");
            ins.setString(1, name);
            ins.setString(2, specJson);
            ins.setBoolean(3, reprofile);
            ins.setLong(4, nowMs);
            ins.executeUpdate();
            long id;
            try (ResultSet rs = ins.getGeneratedKeys()) {
                rs.next();
                id = rs.getLong(1);
            }
            PreparedStatement profiled =
                    tx.ps("SELECT 1 FROM profiles WHERE segment_key = ? AND device_kind = ? LIMIT 1");
            PreparedStatement inFlight = tx.ps("SELECT 1 FROM jobs WHERE segment_key = ? AND device_kind = ? "
                    + "AND state IN ('queued', 'leased') LIMIT 1");
            PreparedStatement job = tx.ps("INSERT INTO jobs (campaign_id, segment_key, device_kind, state, held, "
                    + "attempts, max_attempts, created) VALUES (?, ?, ?, 'queued', FALSE, 0, ?, ?)");
            int enq = 0;
            int skipP = 0;
            int skipF = 0;
            for (String k : keys) {
                for (String kind : kinds) {
                    if (!reprofile && exists(profiled, k, kind)) {
                        skipP++;
                    } else if (exists(inFlight, k, kind)) {
                        skipF++;
                    } else {
                        job.setLong(1, id);
                        job.setString(2, k);
                        job.setString(3, kind);
                        job.setInt(4, maxAttempts);
                        job.setLong(5, nowMs);
                        job.addBatch();
                        if (++enq % 1000 == 0) {
                            job.executeBatch();
                        }
                    }
                }
            }
            job.executeBatch();
            CampaignState state = CampaignState.RUNNING;
            PreparedStatement up = tx.ps("UPDATE campaigns SET skipped_profiled = ?, skipped_in_flight = ?, "
                    + "open_jobs = ?, state = ?, finished = ? WHERE id = ?");
            up.setLong(1, skipP);
            up.setLong(2, skipF);
            up.setLong(3, enq);
            if (enq == 0) {
                state = CampaignState.DONE;
                up.setString(4, state.db());
                up.setLong(5, nowMs);
            } else {
                up.setString(4, state.db());
                up.setNull(5, Types.BIGINT);
            }
            up.setLong(6, id);
            up.executeUpdate();
            return new Created(id, enq, skipP, skipF, state);
        });
        if (specJson != null) {
            specCache.put(created.campaignId(), specJson);
        }
        return created;
    }

    private static boolean exists(PreparedStatement ps, String key, String kind) throws SQLException {
        ps.setString(1, key);
        ps.setString(2, kind);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    public Optional<Campaign> find(long id) {
        return db.tx(tx -> find(tx, id));
    }

    public Campaign get(long id) {
        return find(id).orElseThrow(() -> StoreException.notFound("no campaign " + id));
    }

    public List<Campaign> list() {
        return db.tx(tx -> {
            List<Campaign> out = new ArrayList<>();
            try (ResultSet rs =
                    tx.ps("SELECT " + COLS + " FROM campaigns ORDER BY id").executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        });
    }

    /** The campaign's spec JSON as given at creation (immutable, so cached), or null. */
    public String spec(long id) {
        String cached = specCache.get(id);
        if (cached != null) {
            return cached;
        }
        String spec = db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT spec FROM campaigns WHERE id = ?");
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw StoreException.notFound("no campaign " + id);
                }
                Clob c = rs.getClob(1);
                return c == null ? null : c.getSubString(1, (int) c.length());
            }
        });
        if (spec != null) {
            specCache.put(id, spec);
        }
        return spec;
    }

    /** Pauses a running campaign (its queued jobs are held). Pausing a paused one is a no-op. */
    public Campaign pause(long id, long nowMs) {
        return db.txDurable(tx -> {
            Campaign c = lockedOrThrow(tx, id);
            if (c.state() == CampaignState.PAUSED) {
                return c;
            }
            if (c.state() != CampaignState.RUNNING) {
                throw StoreException.conflict(
                        "campaign " + id + " is " + c.state().db() + "; only a running campaign can be paused");
            }
            setState(tx, id, CampaignState.PAUSED, null);
            PreparedStatement hold = tx.ps("UPDATE jobs SET held = TRUE WHERE campaign_id = ? AND state = 'queued'");
            hold.setLong(1, id);
            hold.executeUpdate();
            return find(tx, id).orElseThrow();
        });
    }

    /** Resumes a paused campaign. Resuming a running one is a no-op. */
    public Campaign resume(long id, long nowMs) {
        return db.txDurable(tx -> {
            Campaign c = lockedOrThrow(tx, id);
            if (c.state() == CampaignState.RUNNING) {
                return c;
            }
            if (c.state() != CampaignState.PAUSED) {
                throw StoreException.conflict(
                        "campaign " + id + " is " + c.state().db() + "; only a paused campaign can be resumed");
            }
            setState(tx, id, CampaignState.RUNNING, null);
            PreparedStatement hold = tx.ps("UPDATE jobs SET held = FALSE WHERE campaign_id = ? AND state = 'queued'");
            hold.setLong(1, id);
            hold.executeUpdate();
            jobsClosed(tx, id, 0, nowMs);
            return find(tx, id).orElseThrow();
        });
    }

    /**
     * Cancels a running or paused campaign: its queued jobs are cancelled; leased ones may still
     * deliver a result, which is stored. Cancelling a cancelled campaign is a no-op; a done one is
     * a CONFLICT.
     */
    public Campaign cancel(long id, long nowMs) {
        return db.txDurable(tx -> {
            Campaign c = lockedOrThrow(tx, id);
            if (c.state() == CampaignState.CANCELLED) {
                return c;
            }
            if (c.state() == CampaignState.DONE) {
                throw StoreException.conflict("campaign " + id + " is already done; nothing to cancel");
            }
            setState(tx, id, CampaignState.CANCELLED, nowMs);
            PreparedStatement ps = tx.ps("UPDATE jobs SET state = 'cancelled', held = FALSE, finished = ? "
                    + "WHERE campaign_id = ? AND state = 'queued'");
            ps.setLong(1, nowMs);
            ps.setLong(2, id);
            int cancelled = ps.executeUpdate();
            PreparedStatement open = tx.ps("UPDATE campaigns SET open_jobs = open_jobs - ? WHERE id = ?");
            open.setLong(1, cancelled);
            open.setLong(2, id);
            open.executeUpdate();
            return find(tx, id).orElseThrow();
        });
    }

    /** Counts per job state, recent done rate and ETA. */
    public Status status(long id, long nowMs, Duration window) {
        return db.tx(tx -> {
            Campaign c = find(tx, id).orElseThrow(() -> StoreException.notFound("no campaign " + id));
            Map<JobState, Long> counts = new EnumMap<>(JobState.class);
            for (JobState s : JobState.values()) {
                counts.put(s, 0L);
            }
            PreparedStatement ps = tx.ps("SELECT state, COUNT(*) FROM jobs WHERE campaign_id = ? GROUP BY state");
            ps.setLong(1, id);
            long total = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long n = rs.getLong(2);
                    counts.put(JobState.fromDb(rs.getString(1)), n);
                    total += n;
                }
            }
            long span = Math.max(1, Math.min(window.toMillis(), nowMs - c.createdMs()));
            PreparedStatement rate =
                    tx.ps("SELECT COUNT(*) FROM jobs WHERE campaign_id = ? AND state = 'done' " + "AND finished >= ?");
            rate.setLong(1, id);
            rate.setLong(2, nowMs - span);
            long recent;
            try (ResultSet rs = rate.executeQuery()) {
                rs.next();
                recent = rs.getLong(1);
            }
            double perSec = recent * 1000.0 / span;
            long open = counts.get(JobState.QUEUED) + counts.get(JobState.LEASED);
            double eta = open == 0 ? 0 : perSec > 0 ? open / perSec : -1;
            return new Status(c, Map.copyOf(counts), total, perSec, eta);
        });
    }

    // ---- shared with JobQueue (same transaction) ----

    /**
     * Records that {@code n} jobs of a campaign left the queued/leased states, and marks the
     * campaign done when none remain (unless it is cancelled). The counter row is locked by the
     * update, so concurrent transactions closing the last jobs cannot both miss the end.
     */
    static void jobsClosed(Database.Tx tx, long campaignId, long n, long nowMs) throws SQLException {
        PreparedStatement ps = tx.ps("UPDATE campaigns SET open_jobs = open_jobs - ?, "
                + "state = CASE WHEN open_jobs - ? <= 0 AND state IN ('running', 'paused') THEN 'done' ELSE state END, "
                + "finished = CASE WHEN open_jobs - ? <= 0 AND state IN ('running', 'paused') THEN ? ELSE finished END "
                + "WHERE id = ?");
        ps.setLong(1, n);
        ps.setLong(2, n);
        ps.setLong(3, n);
        ps.setLong(4, nowMs);
        ps.setLong(5, campaignId);
        ps.executeUpdate();
    }

    private static void setState(Database.Tx tx, long id, CampaignState state, Long finishedMs) throws SQLException {
        PreparedStatement ps = tx.ps("UPDATE campaigns SET state = ?, finished = ? WHERE id = ?");
        ps.setString(1, state.db());
        if (finishedMs == null) {
            ps.setNull(2, Types.BIGINT);
        } else {
            ps.setLong(2, finishedMs);
        }
        ps.setLong(3, id);
        ps.executeUpdate();
    }

    private static Optional<Campaign> find(Database.Tx tx, long id) throws SQLException {
        PreparedStatement ps = tx.ps("SELECT " + COLS + " FROM campaigns WHERE id = ?");
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(row(rs)) : Optional.empty();
        }
    }

    private static Campaign lockedOrThrow(Database.Tx tx, long id) throws SQLException {
        PreparedStatement ps = tx.ps("SELECT " + COLS + " FROM campaigns WHERE id = ? FOR UPDATE");
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw StoreException.notFound("no campaign " + id);
            }
            return row(rs);
        }
    }

    private static Campaign row(ResultSet rs) throws SQLException {
        long fin = rs.getLong(8);
        Long finished = rs.wasNull() ? null : fin;
        return new Campaign(
                rs.getLong(1),
                rs.getString(2),
                CampaignState.fromDb(rs.getString(3)),
                rs.getBoolean(4),
                rs.getLong(5),
                rs.getLong(6),
                rs.getLong(7),
                finished);
    }
}
