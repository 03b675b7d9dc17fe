package io.pipefarm.coordinator.store;

import java.io.ByteArrayInputStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stored profiles. They are written only by {@link JobQueue#complete} (same transaction as the
 * job it closes); "latest" means highest id, i.e. the last one stored.
 */
public final class ProfileStore {

    public record Profile(
            long id,
            Long jobId,
            String segmentKey,
            String deviceKind,
            String deviceId,
            String agentId,
            ProfileStats stats,
            Map<String, String> versions,
            boolean hasSamples,
            long createdMs) {}

    /**
     * Filter for {@link #list}: null fields match anything; {@code modelId} matches the segments
     * recorded for that model (whatever model first produced them); {@code limit} <= 0 means no limit.
     */
    public record Query(Long modelId, String segmentKey, String deviceKind, boolean latestOnly, int limit) {
        public static Query all() {
            return new Query(null, null, null, false, 0);
        }

        public Query model(long id) {
            return new Query(id, segmentKey, deviceKind, latestOnly, limit);
        }

        public Query segment(String key) {
            return new Query(modelId, key, deviceKind, latestOnly, limit);
        }

        public Query kind(String kind) {
            return new Query(modelId, segmentKey, kind, latestOnly, limit);
        }

        /** Only the latest profile per (segment, kind). */
        public Query latest() {
            return new Query(modelId, segmentKey, deviceKind, true, limit);
        }

        public Query limit(int n) {
            return new Query(modelId, segmentKey, deviceKind, latestOnly, n);
        }
    }

    private static final String COLS = "p.id, p.job_id, p.segment_key, p.device_kind, p.device_id, p.agent_id, p.n, "
            + "p.mean_ns, p.median_ns, p.p90_ns, p.p99_ns, p.stdev_ns, p.min_ns, p.versions, "
            + "p.samples IS NOT NULL, p.created";

    private final Database db;

    public ProfileStore(Database db) {
        this.db = db;
    }

    /** Profiles matching the query, in id order. */
    public List<Profile> list(Query q) {
        StringBuilder sql = new StringBuilder("SELECT " + COLS + " FROM profiles p WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.modelId() != null) {
            sql.append(" AND p.segment_key IN (SELECT ms.segment_key FROM model_segments ms WHERE ms.model_id = ?)");
            args.add(q.modelId());
        }
        if (q.segmentKey() != null) {
            sql.append(" AND p.segment_key = ?");
            args.add(q.segmentKey());
        }
        if (q.deviceKind() != null) {
            sql.append(" AND p.device_kind = ?");
            args.add(q.deviceKind());
        }
        if (q.latestOnly()) {
            sql.append(" AND p.id = (SELECT MAX(l.id) FROM profiles l WHERE l.segment_key = p.segment_key "
                    + "AND l.device_kind = p.device_kind)");
        }
        sql.append(" ORDER BY p.id");
        if (q.limit() > 0) {
            sql.append(" LIMIT ").append(q.limit());
        }
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps(sql.toString());
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<Profile> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        });
    }

    /** The latest profile of one (segment, kind) pair. */
    public Optional<Profile> latest(String segmentKey, String deviceKind) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT " + COLS + " FROM profiles p WHERE p.segment_key = ? "
                    + "AND p.device_kind = ? ORDER BY p.segment_key, p.device_kind, p.id DESC LIMIT 1");
            ps.setString(1, segmentKey);
            ps.setString(2, deviceKind);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.<Profile>empty();
            }
        });
    }

    public Optional<Profile> get(long id) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT " + COLS + " FROM profiles p WHERE p.id = ?");
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.<Profile>empty();
            }
        });
    }

    /** The raw samples (ns) of a profile, if they were kept. */
    public Optional<long[]> samples(long profileId) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT samples FROM profiles WHERE id = ?");
            ps.setLong(1, profileId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw StoreException.notFound("no profile " + profileId);
                }
                byte[] b = rs.getBytes(1);
                return b == null ? Optional.<long[]>empty() : Optional.of(JobQueue.decodeSamples(b));
            }
        });
    }

    public long count() {
        return db.tx(tx -> {
            try (ResultSet rs = tx.ps("SELECT COUNT(*) FROM profiles").executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    static void insert(
            Database.Tx tx,
            long jobId,
            String segmentKey,
            String deviceKind,
            String deviceId,
            String agentId,
            ProfileStats s,
            byte[] samples,
            String versionsJson,
            long nowMs)
            throws SQLException {
        PreparedStatement ps = tx.ps("INSERT INTO profiles (job_id, segment_key, device_kind, device_id, agent_id, n, "
                + "mean_ns, median_ns, p90_ns, p99_ns, stdev_ns, min_ns, samples, versions, created) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        ps.setLong(1, jobId);
        ps.setString(2, segmentKey);
        ps.setString(3, deviceKind);
        ps.setString(4, deviceId == null ? "" : deviceId);
        ps.setString(5, agentId == null ? "" : agentId);
        ps.setLong(6, s.n());
        ps.setDouble(7, s.meanNs());
        ps.setDouble(8, s.medianNs());
        ps.setDouble(9, s.p90Ns());
        ps.setDouble(10, s.p99Ns());
        ps.setDouble(11, s.stdevNs());
        ps.setDouble(12, s.minNs());
        if (samples == null) {
            ps.setNull(13, Types.BLOB);
        } else {
            ps.setBinaryStream(13, new ByteArrayInputStream(samples), samples.length);
        }
        ps.setString(14, versionsJson);
        ps.setLong(15, nowMs);
        ps.executeUpdate();
    }

    private static Profile row(ResultSet rs) throws SQLException {
        long job = rs.getLong(2);
        Long jobId = rs.wasNull() ? null : job;
        ProfileStats stats = new ProfileStats(
                rs.getLong(7),
                rs.getDouble(8),
                rs.getDouble(9),
                rs.getDouble(10),
                rs.getDouble(11),
                rs.getDouble(12),
                rs.getDouble(13));
        return new Profile(
                rs.getLong(1),
                jobId,
                rs.getString(3).trim(),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                stats,
                Json.readMap(rs.getString(14)),
                rs.getBoolean(15),
                rs.getLong(16));
    }
}
