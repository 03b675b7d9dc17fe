package io.pipefarm.coordinator.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Partition searches run by the coordinator (table {@code partitions}, migration V3): one row per
 * request, {@code running} until the search ends {@code done} (with its result JSON and protobuf
 * descriptor) or {@code failed} (with the error). Segment bytes live in the segments table by key.
 */
public final class PartitionStore {

    /** One partition search. {@code resultJson} and {@code descriptor} are null unless done. */
    public record Partition(
            long id,
            Long modelId,
            String modelRef,
            String kind,
            int k,
            String method,
            PartitionState state,
            String resultJson,
            byte[] descriptor,
            String error,
            long createdMs,
            Long finishedMs) {}

    private final Database db;

    public PartitionStore(Database db) {
        this.db = db;
    }

    /** A new running search; returns its id. */
    public long create(Long modelId, String modelRef, String kind, int k, String method, long nowMs) {
        return db.txDurable(tx -> {
            PreparedStatement ps =
                    tx.psKeys("INSERT INTO partitions (model_id, model_ref, kind, k, method, state, created) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?)");
            if (modelId == null) ps.setNull(1, Types.BIGINT);
            else ps.setLong(1, modelId);
            ps.setString(2, modelRef);
            ps.setString(3, kind);
            ps.setInt(4, k);
            ps.setString(5, method);
            ps.setString(6, PartitionState.RUNNING.db());
            ps.setLong(7, nowMs);
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Marks a running search done with its result. */
    public void finish(long id, String resultJson, byte[] descriptor, long nowMs) {
        db.txDurable(tx -> {
            PreparedStatement ps =
                    tx.ps("UPDATE partitions SET state = ?, result = ?, descriptor = ?, error = NULL, finished = ? "
                            + "WHERE id = ?");
            ps.setString(1, PartitionState.DONE.db());
            ps.setString(2, resultJson);
            ps.setBytes(3, descriptor);
            ps.setLong(4, nowMs);
            ps.setLong(5, id);
            if (ps.executeUpdate() != 1) throw StoreException.notFound("no partition " + id);
            return null;
        });
    }

    /** Marks a search failed with a one-line reason. */
    public void fail(long id, String error, long nowMs) {
        String e = error == null ? "failed" : error.length() > 4000 ? error.substring(0, 3997) + "..." : error;
        db.txDurable(tx -> {
            PreparedStatement ps = tx.ps("UPDATE partitions SET state = ?, error = ?, finished = ? WHERE id = ?");
            ps.setString(1, PartitionState.FAILED.db());
            ps.setString(2, e);
            ps.setLong(3, nowMs);
            ps.setLong(4, id);
            ps.executeUpdate();
            return null;
        });
    }

    /**
     * Marks every search still running as failed (a coordinator restarted while they ran: nothing is
     * running them any more). Returns how many.
     */
    public int failRunning(String reason, long nowMs) {
        return db.txDurable(tx -> {
            PreparedStatement ps = tx.ps("UPDATE partitions SET state = ?, error = ?, finished = ? WHERE state = ?");
            ps.setString(1, PartitionState.FAILED.db());
            ps.setString(2, reason);
            ps.setLong(3, nowMs);
            ps.setString(4, PartitionState.RUNNING.db());
            return ps.executeUpdate();
        });
    }

    public Optional<Partition> get(long id) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps(SELECT + " WHERE id = ?");
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs, true)) : Optional.<Partition>empty();
            }
        });
    }

    /** The newest searches first, without result and descriptor bodies. */
    public List<Partition> list(int limit) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps(SELECT + " ORDER BY id DESC LIMIT ?");
            ps.setInt(1, Math.max(1, limit));
            List<Partition> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(row(rs, false));
            }
            return out;
        });
    }

    private static final String SELECT =
            "SELECT id, model_id, model_ref, kind, k, method, state, result, descriptor, error, "
                    + "created, finished FROM partitions";

    private static Partition row(ResultSet rs, boolean bodies) throws SQLException {
        long mid = rs.getLong(2);
        Long modelId = rs.wasNull() ? null : mid;
        long fin = rs.getLong(12);
        Long finished = rs.wasNull() ? null : fin;
        return new Partition(
                rs.getLong(1),
                modelId,
                rs.getString(3),
                rs.getString(4),
                rs.getInt(5),
                rs.getString(6),
                PartitionState.fromDb(rs.getString(7)),
                bodies ? rs.getString(8) : null,
                bodies ? rs.getBytes(9) : null,
                rs.getString(10),
                rs.getLong(11),
                finished);
    }
}
