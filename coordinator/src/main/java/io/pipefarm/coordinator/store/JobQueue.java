package io.pipefarm.coordinator.store;

import io.pipefarm.proto.farm.ErrorKind;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The job queue: leases, results, failures and lease expiry. Every method is one transaction.
 *
 * <p>Lease semantics:
 * <ul>
 *   <li>Leasing takes two steps, so that the coordinator can hand out thousands of jobs a second:
 *       {@link #queued} reads ahead the oldest (lowest id) queued, unheld jobs of running campaigns
 *       for a device kind, without leasing them; the caller picks a job per idle device in memory,
 *       with a fresh {@link #token()} and a deadline, and writes the grants of many devices in one
 *       transaction with {@link #leaseAll}, which counts the attempt. It must write its pending
 *       grants before it calls {@link #queued} again, or it reads the same jobs.</li>
 *   <li>Each grant is a conditional {@code UPDATE ... WHERE state = 'queued' AND held = FALSE AND
 *       attempts = <attempts read> AND lost_leases = <lost leases read>} checked by update count, so of two leasers that read the same
 *       job (threads, or coordinators sharing a database) exactly one takes it, and a grant read
 *       before the job was leased, expired and requeued does not take it either. A grant that did
 *       not take is reported false (the job was taken, paused or cancelled meanwhile).</li>
 *   <li>{@link #complete} is idempotent by job id: the first result for a job that is not done
 *       stores the profile and closes the job in one transaction, even when its lease token is
 *       stale (the job expired and was re-leased: a measurement is a measurement), its grant never
 *       took, or the job had failed or been cancelled meanwhile; any later result returns
 *       {@link Completion#ALREADY_DONE} and changes nothing ({@code profiles.job_id} is UNIQUE as a
 *       backstop).</li>
 *   <li>{@link #fail} only acts on the current lease (matching token, state leased): the job goes
 *       back to the queue while {@code attempts < max_attempts}, else to failed with the error.
 *       A failure from a stale lease is ignored.</li>
 *   <li>{@link #expireLeases} and {@link #releaseAgent} send their jobs back with error kind
 *       {@link ErrorKind#ERROR_KIND_UNAVAILABLE} and give back the attempt the lease took: a lease
 *       lost to a fault (an agent that fell silent, left or restarted) is not the job's failure. They
 *       count the loss instead, and a job that lost {@link #MAX_LOST_LEASES} leases fails (so a
 *       segment that takes down every agent that runs it cannot circulate forever).</li>
 *   <li>A requeued job of a paused campaign is held; of a cancelled campaign it is cancelled.</li>
 * </ul>
 */
public final class JobQueue {
    /** The wire enum's prefix, left out of the stored kind. */
    private static final String PREFIX = "ERROR_KIND_";

    private static final List<String> KNOWN_KINDS = Arrays.stream(ErrorKind.values())
            .filter(k -> k != ErrorKind.ERROR_KIND_UNSPECIFIED && k != ErrorKind.UNRECOGNIZED)
            .map(Enum::name)
            .toList();

    /** Outcome of {@link #complete}. */
    public enum Completion {
        /** Stored; the job was leased under this token. */
        ACCEPTED,
        /** Stored; the job was not leased under this token any more (expired, re-leased, failed, cancelled). */
        ACCEPTED_STALE,
        /** The job was already done; nothing changed. */
        ALREADY_DONE,
        /** No such job (only from {@link #completeAll}; {@link #complete} throws NOT_FOUND). */
        UNKNOWN_JOB
    }

    /** Outcome of {@link #fail}. */
    public enum Failure {
        /** Back in the queue for another attempt (or held, if the campaign is paused). */
        REQUEUED,
        /** Out of attempts: failed with this error. */
        FAILED,
        /** The campaign was cancelled meanwhile: the job is cancelled. */
        CANCELLED,
        /** Not the current lease of a leased job (stale token, or requeued already): nothing changed. */
        IGNORED,
        /** The job was already done: nothing changed. */
        ALREADY_DONE
    }

    /** Result of {@link #expireLeases} / {@link #releaseAgent}. */
    public record Requeued(int requeued, int failed, int cancelled) {
        public int total() {
            return requeued + failed + cancelled;
        }
    }

    /** One job row (for status pages and tests). */
    public record JobInfo(
            long id,
            long campaignId,
            String segmentKey,
            String deviceKind,
            JobState state,
            String leaseAgent,
            String leaseDevice,
            Long leaseToken,
            Long leaseDeadlineMs,
            int attempts,
            int maxAttempts,
            ErrorKind lastErrorKind,
            String lastErrorMessage,
            long createdMs,
            Long finishedMs,
            int lostLeases) {}

    /** A queued job the coordinator may hand out (see {@link #queued} and {@link #leaseAll}). */
    public record Candidate(
            long jobId, long campaignId, String segmentKey, long blobSize, int attempts, int lostLeases, byte[] blob) {}

    /** One lease decided in memory by the coordinator, written by {@link #leaseAll}. */
    public record LeaseGrant(Candidate job, String agentId, String deviceId, long leaseToken, long deadlineMs) {}

    /** Params: inline-max-bytes, device kind, limit. Package-private for the query-plan test. */
    static final String SELECT_QUEUED =
            // Driven by the queue index: with a join H2 may start from campaigns and scan every job of
            // a big campaign per read. Unheld queued jobs belong to running campaigns (pause holds them,
            // cancel closes them); the EXISTS is a cheap per-row guard of that invariant.
            "SELECT j.id, j.campaign_id, j.segment_key, j.attempts, s.byte_size, j.lost_leases, "
                    + "CASE WHEN s.byte_size <= ? THEN s.blob END "
                    + "FROM jobs j USE INDEX (jobs_queue) JOIN segments s ON s.segment_key = j.segment_key "
                    + "WHERE j.state = 'queued' AND j.device_kind = ? AND j.held = FALSE "
                    + "AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = j.campaign_id AND c.state = 'running') "
                    + "ORDER BY j.state, j.device_kind, j.held, j.id LIMIT ?";

    private static final String TAKE =
            "UPDATE jobs SET state = 'leased', lease_agent = ?, lease_device = ?, lease_token = ?, "
                    + "lease_deadline = ?, leased_at = ?, attempts = attempts + 1 "
                    + "WHERE id = ? AND state = 'queued' AND held = FALSE AND attempts = ? AND lost_leases = ?";

    /** SET clause that sends a leased job back (params: finished-at, error kind, error message). */
    private static final String REQUEUE_SET = "state = CASE WHEN attempts >= max_attempts THEN 'failed' "
            + "WHEN (SELECT c.state FROM campaigns c WHERE c.id = jobs.campaign_id) = 'cancelled' THEN 'cancelled' "
            + "ELSE 'queued' END, "
            + "held = COALESCE((SELECT c.state FROM campaigns c WHERE c.id = jobs.campaign_id) = 'paused', FALSE), "
            + "finished = CASE WHEN attempts >= max_attempts "
            + "OR (SELECT c.state FROM campaigns c WHERE c.id = jobs.campaign_id) = 'cancelled' THEN ? ELSE NULL END, "
            + "last_error_kind = ?, last_error_message = ?, lease_deadline = NULL";

    /**
     * Leases a job may lose to faults (expiry, its agent leaving) before it fails: losing one is not
     * the job's fault and costs no attempt, but a job that keeps taking its agents down must end.
     */
    public static final int MAX_LOST_LEASES = 10;

    /**
     * SET clause that sends back a job whose lease was lost to a fault (params: max lost leases
     * twice, finished-at, error kind, error message): the attempt its lease took is given back.
     * Every right-hand side reads the row as it was before the update.
     */
    private static final String LOST_SET = "state = CASE WHEN lost_leases + 1 >= ? THEN 'failed' "
            + "WHEN (SELECT c.state FROM campaigns c WHERE c.id = jobs.campaign_id) = 'cancelled' THEN 'cancelled' "
            + "ELSE 'queued' END, "
            + "held = COALESCE((SELECT c.state FROM campaigns c WHERE c.id = jobs.campaign_id) = 'paused', FALSE), "
            + "finished = CASE WHEN lost_leases + 1 >= ? "
            + "OR (SELECT c.state FROM campaigns c WHERE c.id = jobs.campaign_id) = 'cancelled' THEN ? ELSE NULL END, "
            + "last_error_kind = ?, last_error_message = ?, lease_deadline = NULL, "
            + "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, lost_leases = lost_leases + 1";

    private static final String EXTEND =
            "UPDATE jobs SET lease_deadline = ? WHERE id = ? AND state = 'leased' AND lease_token = ?";

    /** The columns {@link #jobInfo} reads, in order. */
    private static final String JOB_COLUMNS = "SELECT id, campaign_id, segment_key, device_kind, state, lease_agent, "
            + "lease_device, lease_token, lease_deadline, attempts, max_attempts, last_error_kind, "
            + "last_error_message, created, finished, lost_leases";

    private final Database db;

    public JobQueue(Database db) {
        this.db = db;
    }

    /**
     * Up to {@code limit} oldest queued, unheld jobs of running campaigns for {@code deviceKind},
     * without leasing them (see the class comment: the caller grants them with {@link #leaseAll}
     * and must write its pending grants before asking again).
     */
    public List<Candidate> queued(String deviceKind, int limit) {
        return queued(deviceKind, limit, -1);
    }

    /**
     * As {@link #queued(String, int)}, with the segment bytes of candidates whose segment is at most
     * {@code inlineMaxBytes} (read in the same query: one round trip instead of one per job).
     */
    public List<Candidate> queued(String deviceKind, int limit, long inlineMaxBytes) {
        return db.tx(tx -> {
            PreparedStatement q = tx.ps(SELECT_QUEUED);
            q.setLong(1, inlineMaxBytes);
            q.setString(2, deviceKind);
            q.setInt(3, limit);
            List<Candidate> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new Candidate(
                            rs.getLong(1),
                            rs.getLong(2),
                            rs.getString(3).trim(),
                            rs.getLong(5),
                            rs.getInt(4),
                            rs.getInt(6),
                            rs.getBytes(7)));
                }
            }
            return out;
        });
    }

    /**
     * Records leases granted from {@link #queued} candidates, in one transaction (leases are not
     * flushed: a crash loses at most leases, and their jobs are simply run again).
     *
     * @return per grant, in order, whether it took (false: the job was leased by another grant,
     *     paused or cancelled since it was read)
     */
    public boolean[] leaseAll(List<LeaseGrant> grants, long nowMs) {
        if (grants.isEmpty()) return new boolean[0];
        return db.tx(tx -> {
            PreparedStatement take = tx.ps(TAKE);
            for (LeaseGrant g : grants) {
                take.setString(1, g.agentId());
                take.setString(2, g.deviceId());
                take.setLong(3, g.leaseToken());
                take.setLong(4, g.deadlineMs());
                take.setLong(5, nowMs);
                take.setLong(6, g.job().jobId());
                // (attempts, lost leases) changes with every lease cycle, so a grant read before one never takes
                take.setInt(7, g.job().attempts());
                take.setInt(8, g.job().lostLeases());
                take.addBatch();
            }
            int[] counts = take.executeBatch();
            boolean[] ok = new boolean[counts.length];
            for (int i = 0; i < counts.length; i++) ok[i] = counts[i] == 1;
            return ok;
        });
    }

    /** A fresh random lease token (never 0). */
    public static long token() {
        return newToken();
    }

    /** One lease as its holder names it. */
    public record LeaseKey(long jobId, long leaseToken) {}

    /**
     * Moves the deadline of every lease in {@code leases} that is still current to {@code
     * newDeadlineMs}, in one transaction (a heartbeat's worth); returns how many were.
     */
    public int extendLeases(List<LeaseKey> leases, long newDeadlineMs) {
        if (leases.isEmpty()) return 0;
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps(EXTEND);
            for (LeaseKey l : leases) {
                ps.setLong(1, newDeadlineMs);
                ps.setLong(2, l.jobId());
                ps.setLong(3, l.leaseToken());
                ps.addBatch();
            }
            int n = 0;
            for (int c : ps.executeBatch()) n += c;
            return n;
        });
    }

    /** Moves the deadline of a current lease; false if the lease is no longer current. */
    public boolean extendLease(long jobId, long leaseToken, long newDeadlineMs) {
        return extendLeases(List.of(new LeaseKey(jobId, leaseToken)), newDeadlineMs) == 1;
    }

    /** One measurement reported for a job (maps 1:1 to a successful {@code JobResult}). */
    public record Result(
            long jobId,
            long leaseToken,
            String agentId,
            String deviceId,
            ProfileStats stats,
            long[] samplesNs,
            Map<String, String> versions) {}

    /**
     * Stores a measurement and closes its job, in one durable transaction (see the class comment).
     *
     * @param samplesNs raw per-invocation latencies, or null
     * @throws StoreException NOT_FOUND for an unknown job
     */
    public Completion complete(
            long jobId,
            long leaseToken,
            String agentId,
            String deviceId,
            ProfileStats stats,
            long[] samplesNs,
            Map<String, String> versions,
            long nowMs) {
        Result r = new Result(jobId, leaseToken, agentId, deviceId, stats, samplesNs, versions);
        Encoded e = encode(r);
        Completion c = db.txDurable(tx -> {
            Map<Long, Long> closed = new TreeMap<>();
            Completion one = completeIn(tx, r, e, nowMs, closed);
            for (Map.Entry<Long, Long> cl : closed.entrySet())
                CampaignStore.jobsClosed(tx, cl.getKey(), cl.getValue(), nowMs);
            return one;
        });
        if (c == Completion.UNKNOWN_JOB) {
            throw StoreException.notFound("no job " + jobId);
        }
        return c;
    }

    /**
     * {@link #complete} for many results in ONE durable transaction (one commit, one flush): the
     * way to sustain thousands of results per second. Outcomes are in input order; an unknown job
     * yields {@link Completion#UNKNOWN_JOB} instead of failing the batch.
     */
    public List<Completion> completeAll(List<Result> results, long nowMs) {
        List<Encoded> enc = new ArrayList<>(results.size());
        for (Result r : results) {
            enc.add(encode(r));
        }
        return db.txDurable(tx -> {
            Map<Long, Long> closed = new TreeMap<>();
            List<Completion> out = new ArrayList<>(results.size());
            for (int i = 0; i < results.size(); i++) {
                out.add(completeIn(tx, results.get(i), enc.get(i), nowMs, closed));
            }
            for (Map.Entry<Long, Long> c : closed.entrySet())
                CampaignStore.jobsClosed(tx, c.getKey(), c.getValue(), nowMs);
            return out;
        });
    }

    private record Encoded(byte[] samples, String versionsJson) {}

    private static Encoded encode(Result r) {
        if (r.stats() == null) {
            throw StoreException.badInput("result for job " + r.jobId() + " has no statistics");
        }
        return new Encoded(encodeSamples(r.samplesNs()), Json.write(r.versions()));
    }

    /**
     * Closes one job inside {@code tx}; the campaign counters of closed jobs are added to
     * {@code closed} (campaign id -> jobs) so that a batch updates each campaign row once.
     */
    private static Completion completeIn(Database.Tx tx, Result r, Encoded e, long nowMs, Map<Long, Long> closed)
            throws SQLException {
        PreparedStatement row = tx.ps("SELECT state, lease_token, campaign_id, segment_key, device_kind "
                + "FROM jobs WHERE id = ? FOR UPDATE");
        row.setLong(1, r.jobId());
        boolean current;
        boolean wasOpen;
        long campaignId;
        String segmentKey;
        String kind;
        try (ResultSet rs = row.executeQuery()) {
            if (!rs.next()) {
                return Completion.UNKNOWN_JOB;
            }
            JobState state = JobState.fromDb(rs.getString(1));
            if (state == JobState.DONE) {
                return Completion.ALREADY_DONE;
            }
            long token = rs.getLong(2);
            boolean hasToken = !rs.wasNull();
            current = state == JobState.LEASED && hasToken && token == r.leaseToken();
            wasOpen = !state.terminal();
            campaignId = rs.getLong(3);
            segmentKey = rs.getString(4).trim();
            kind = rs.getString(5);
        }
        PreparedStatement close =
                tx.ps("UPDATE jobs SET state = 'done', finished = ?, lease_deadline = NULL " + "WHERE id = ?");
        close.setLong(1, nowMs);
        close.setLong(2, r.jobId());
        close.executeUpdate();
        ProfileStore.insert(
                tx,
                r.jobId(),
                segmentKey,
                kind,
                r.deviceId(),
                r.agentId(),
                r.stats(),
                e.samples(),
                e.versionsJson(),
                nowMs);
        if (wasOpen) {
            closed.merge(campaignId, 1L, Long::sum);
        }
        return current ? Completion.ACCEPTED : Completion.ACCEPTED_STALE;
    }

    /**
     * Records a failed attempt of the current lease (see the class comment).
     */
    public Failure fail(long jobId, long leaseToken, ErrorKind kind, String message, long nowMs) {
        String stored = storedName(kind);
        String msg = clip(message);
        return db.txDurable(tx -> {
            PreparedStatement up =
                    tx.ps("UPDATE jobs SET " + REQUEUE_SET + " WHERE id = ? AND state = 'leased' AND lease_token = ?");
            up.setLong(1, nowMs);
            up.setString(2, stored);
            up.setString(3, msg);
            up.setLong(4, jobId);
            up.setLong(5, leaseToken);
            int n = up.executeUpdate();
            PreparedStatement st = tx.ps("SELECT state, campaign_id FROM jobs WHERE id = ?");
            st.setLong(1, jobId);
            JobState state;
            long campaignId;
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw StoreException.notFound("no job " + jobId);
                }
                state = JobState.fromDb(rs.getString(1));
                campaignId = rs.getLong(2);
            }
            if (n == 0) {
                return state == JobState.DONE ? Failure.ALREADY_DONE : Failure.IGNORED;
            }
            if (state.terminal()) {
                CampaignStore.jobsClosed(tx, campaignId, 1, nowMs);
            }
            return switch (state) {
                case FAILED -> Failure.FAILED;
                case CANCELLED -> Failure.CANCELLED;
                default -> Failure.REQUEUED;
            };
        });
    }

    /**
     * Sends every lease whose deadline is before {@code nowMs} back to the queue (or to failed when
     * out of attempts). Meant to run periodically (e.g. every few seconds).
     */
    public Requeued expireLeases(long nowMs) {
        return db.tx(tx -> {
            PreparedStatement sel = tx.ps("SELECT id, lease_token, lease_agent, lease_device FROM jobs "
                    + "WHERE state = 'leased' AND lease_deadline < ? ORDER BY lease_deadline LIMIT 10000");
            sel.setLong(1, nowMs);
            List<Object[]> expired = new ArrayList<>();
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    expired.add(new Object[] {rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)});
                }
            }
            PreparedStatement up = tx.ps("UPDATE jobs SET " + LOST_SET
                    + " WHERE id = ? AND state = 'leased' AND lease_token = ? AND lease_deadline < ?");
            int[] counts = new int[3];
            for (Object[] e : expired) {
                int p = lost(up, nowMs, "lease expired: agent " + e[2] + " device " + e[3] + " sent no result in time");
                up.setLong(p, (Long) e[0]);
                up.setLong(p + 1, (Long) e[1]);
                up.setLong(p + 2, nowMs);
                if (up.executeUpdate() == 1) {
                    count(tx, (Long) e[0], counts, nowMs);
                }
            }
            return new Requeued(counts[0], counts[1], counts[2]);
        });
    }

    /** Sends all jobs leased by {@code agentId} back (the agent left or restarted). */
    public Requeued releaseAgent(String agentId, long nowMs) {
        return db.tx(tx -> {
            PreparedStatement sel = tx.ps("SELECT id FROM jobs WHERE lease_agent = ? AND state = 'leased'");
            sel.setString(1, agentId);
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = sel.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            PreparedStatement up =
                    tx.ps("UPDATE jobs SET " + LOST_SET + " WHERE id = ? AND state = 'leased' AND lease_agent = ?");
            int[] counts = new int[3];
            for (long id : ids) {
                int p = lost(up, nowMs, "agent " + agentId + " left while running the job");
                up.setLong(p, id);
                up.setString(p + 1, agentId);
                if (up.executeUpdate() == 1) {
                    count(tx, id, counts, nowMs);
                }
            }
            return new Requeued(counts[0], counts[1], counts[2]);
        });
    }

    /** Whether any job of {@code deviceKind} can be leased right now. */
    public boolean hasWork(String deviceKind) {
        return !queued(deviceKind, 1).isEmpty();
    }

    /** Device kinds that have leasable jobs now. */
    public Set<String> kindsWithWork() {
        return db.tx(tx -> {
            Set<String> out = new HashSet<>();
            try (ResultSet rs = tx.ps(
                            "SELECT DISTINCT j.device_kind FROM jobs j JOIN campaigns c ON c.id = j.campaign_id "
                                    + "WHERE j.state = 'queued' AND j.held = FALSE AND c.state = 'running'")
                    .executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    public Optional<JobInfo> job(long jobId) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps(JOB_COLUMNS + " FROM jobs WHERE id = ?");
            ps.setLong(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.<JobInfo>empty();
                }
                return Optional.of(jobInfo(rs));
            }
        });
    }

    /** Jobs of a campaign, in id order. */
    public List<JobInfo> jobsOf(long campaignId) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps(JOB_COLUMNS + " FROM jobs WHERE campaign_id = ? ORDER BY id");
            ps.setLong(1, campaignId);
            List<JobInfo> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(jobInfo(rs));
                }
            }
            return out;
        });
    }

    /** A job error kind as stored (and shown): the wire name without its prefix, e.g. {@code UNAVAILABLE}. */
    public static String storedName(ErrorKind kind) {
        if (kind == null || kind == ErrorKind.ERROR_KIND_UNSPECIFIED || kind == ErrorKind.UNRECOGNIZED) {
            throw StoreException.badInput("unknown error kind '" + kind + "'; expected one of " + KNOWN_KINDS);
        }
        return kind.name().substring(PREFIX.length());
    }

    private static JobInfo jobInfo(ResultSet rs) throws SQLException {
        long token = rs.getLong(8);
        Long leaseToken = rs.wasNull() ? null : token;
        long deadline = rs.getLong(9);
        Long leaseDeadline = rs.wasNull() ? null : deadline;
        String ek = rs.getString(12);
        long fin = rs.getLong(15);
        Long finished = rs.wasNull() ? null : fin;
        return new JobInfo(
                rs.getLong(1),
                rs.getLong(2),
                rs.getString(3).trim(),
                rs.getString(4),
                JobState.fromDb(rs.getString(5)),
                rs.getString(6),
                rs.getString(7),
                leaseToken,
                leaseDeadline,
                rs.getInt(10),
                rs.getInt(11),
                ek == null ? null : ErrorKind.valueOf(PREFIX + ek),
                rs.getString(13),
                rs.getLong(14),
                finished,
                rs.getInt(16));
    }

    /** Counts a requeued job by its new state and closes it in its campaign if terminal. */
    /** Sets the parameters of {@link #LOST_SET}; returns the index of the next parameter. */
    private static int lost(PreparedStatement up, long nowMs, String message) throws SQLException {
        up.setInt(1, MAX_LOST_LEASES);
        up.setInt(2, MAX_LOST_LEASES);
        up.setLong(3, nowMs);
        up.setString(4, storedName(ErrorKind.ERROR_KIND_UNAVAILABLE));
        up.setString(5, message);
        return 6;
    }

    private static void count(Database.Tx tx, long id, int[] counts, long nowMs) throws SQLException {
        PreparedStatement st = tx.ps("SELECT state, campaign_id FROM jobs WHERE id = ?");
        st.setLong(1, id);
        JobState state;
        long campaignId;
        try (ResultSet rs = st.executeQuery()) {
            rs.next();
            state = JobState.fromDb(rs.getString(1));
            campaignId = rs.getLong(2);
        }
        switch (state) {
            case FAILED -> counts[1]++;
            case CANCELLED -> counts[2]++;
            default -> counts[0]++;
        }
        if (state.terminal()) {
            CampaignStore.jobsClosed(tx, campaignId, 1, nowMs);
        }
    }

    private static long newToken() {
        long t;
        do {
            t = ThreadLocalRandom.current().nextLong();
        } while (t == 0);
        return t;
    }

    private static String clip(String message) {
        String m = message == null ? "" : message;
        return m.length() > 4000 ? m.substring(0, 3997) + "..." : m;
    }

    /** Raw samples as big-endian int64 nanoseconds. */
    static byte[] encodeSamples(long[] samplesNs) {
        if (samplesNs == null) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(samplesNs.length * Long.BYTES);
        for (long s : samplesNs) {
            buf.putLong(s);
        }
        return buf.array();
    }

    static long[] decodeSamples(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        long[] out = new long[bytes.length / Long.BYTES];
        for (int i = 0; i < out.length; i++) {
            out[i] = buf.getLong();
        }
        return out;
    }
}
