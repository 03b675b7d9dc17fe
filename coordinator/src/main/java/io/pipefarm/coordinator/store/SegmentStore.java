package io.pipefarm.coordinator.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Segment blobs by key (lower-case hex SHA-256 of the bytes), stored once whatever model they
 * came from, plus the (model, first op, end op) ranges that produce them.
 */
public final class SegmentStore {
    private static final int INSERT_ATTEMPTS = 4;

    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");

    /** A stored segment without its bytes. {@code modelId} is the model that first produced it. */
    public record Segment(
            String key, Long modelId, int firstOp, int endOp, long byteSize, String featuresJson, long createdMs) {}

    /** One range of a model and the segment it is. */
    public record ModelRange(long modelId, int firstOp, int endOp, String key) {}

    private final Database db;

    public SegmentStore(Database db) {
        this.db = db;
    }

    /** The segment key of some bytes: lower-case hex SHA-256. */
    public static String keyOf(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JRE", e);
        }
    }

    /** Throws BAD_INPUT unless {@code key} looks like a segment key. */
    public static void checkKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw StoreException.badInput("'" + key + "' is not a segment key (64 lower-case hex digits of SHA-256)");
        }
    }

    /**
     * Stores a segment once by key (idempotent: a second put of the same bytes stores nothing) and,
     * when {@code modelId} is not null, records that ops {@code [firstOp, endOp)} of that model are
     * this segment. The key must be the SHA-256 of the bytes.
     *
     * @return true when the blob was new
     */
    public boolean put(
            String key, byte[] bytes, Long modelId, int firstOp, int endOp, String featuresJson, long nowMs) {
        return putAll(List.of(new NewSegment(key, bytes, modelId, firstOp, endOp, featuresJson)), nowMs) == 1;
    }

    /** One segment of a {@link #putAll} batch. */
    public record NewSegment(String key, byte[] bytes, Long modelId, int firstOp, int endOp, String featuresJson) {}

    /**
     * Stores many segments in one durable transaction (a campaign's thousands of segments would
     * otherwise pay one file flush each); same checks as {@link #put}.
     *
     * @return how many blobs were new
     */
    public int putAll(List<NewSegment> segments, long nowMs) {
        for (NewSegment n : segments) {
            checkKey(n.key());
            if (n.bytes() == null || n.bytes().length == 0)
                throw StoreException.badInput("segment " + n.key() + " has no bytes");
            if (n.firstOp() < 0 || n.endOp() <= n.firstOp()) {
                throw StoreException.badInput(
                        "segment range [" + n.firstOp() + ", " + n.endOp() + ") is empty or negative");
            }
            String actual = keyOf(n.bytes());
            if (!actual.equals(n.key()))
                throw StoreException.badInput("segment bytes hash to " + actual + ", not to the given key " + n.key());
        }
        // Two campaigns that share segments may store them at once.
        return db.txDurableRetryingConflicts(INSERT_ATTEMPTS, tx -> {
            int created = 0;
            for (NewSegment n : segments) {
                if (putIn(tx, n.key(), n.bytes(), n.modelId(), n.firstOp(), n.endOp(), n.featuresJson(), nowMs))
                    created++;
            }
            return created;
        });
    }

    private static boolean putIn(
            Database.Tx tx,
            String key,
            byte[] bytes,
            Long modelId,
            int firstOp,
            int endOp,
            String featuresJson,
            long nowMs)
            throws SQLException {
        boolean created = false;
        PreparedStatement has = tx.ps("SELECT 1 FROM segments WHERE segment_key = ?");
        has.setString(1, key);
        boolean exists;
        try (ResultSet rs = has.executeQuery()) {
            exists = rs.next();
        }
        if (!exists) {
            PreparedStatement ins = tx.ps("INSERT INTO segments (segment_key, model_id, first_op, end_op, byte_size, "
                    + "features, blob, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            ins.setString(1, key);
            if (modelId == null) {
                ins.setNull(2, Types.BIGINT);
            } else {
                ins.setLong(2, modelId);
            }
            ins.setInt(3, firstOp);
            ins.setInt(4, endOp);
            ins.setLong(5, bytes.length);
            ins.setString(6, featuresJson);
            ins.setBinaryStream(7, new ByteArrayInputStream(bytes), bytes.length);
            ins.setLong(8, nowMs);
            ins.executeUpdate();
            created = true;
        }
        if (modelId != null) {
            PreparedStatement link = tx.ps("MERGE INTO model_segments (model_id, first_op, end_op, segment_key) "
                    + "KEY (model_id, first_op, end_op) VALUES (?, ?, ?, ?)");
            link.setLong(1, modelId);
            link.setInt(2, firstOp);
            link.setInt(3, endOp);
            link.setString(4, key);
            link.executeUpdate();
        }
        return created;
    }

    /** Stores a segment computing its key; returns the key. */
    public String put(byte[] bytes, Long modelId, int firstOp, int endOp, String featuresJson, long nowMs) {
        String key = keyOf(bytes);
        put(key, bytes, modelId, firstOp, endOp, featuresJson, nowMs);
        return key;
    }

    /** Sets (or replaces) the feature JSON of a stored segment. */
    public void setFeatures(String key, String featuresJson) {
        checkKey(key);
        int n = db.txDurable(tx -> {
            PreparedStatement ps = tx.ps("UPDATE segments SET features = ? WHERE segment_key = ?");
            ps.setString(1, featuresJson);
            ps.setString(2, key);
            return ps.executeUpdate();
        });
        if (n == 0) {
            throw StoreException.notFound("no segment " + key);
        }
    }

    public boolean has(String key) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT 1 FROM segments WHERE segment_key = ?");
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        });
    }

    public Optional<Segment> info(String key) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT segment_key, model_id, first_op, end_op, byte_size, features, created "
                    + "FROM segments WHERE segment_key = ?");
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(segment(rs)) : Optional.<Segment>empty();
            }
        });
    }

    /** The segment bytes, or empty if the key is unknown. */
    public Optional<byte[]> blob(String key) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT blob FROM segments WHERE segment_key = ?");
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.<byte[]>empty();
                }
                return Optional.of(rs.getBytes(1));
            }
        });
    }

    /**
     * Streams the segment bytes to {@code out} (inside one read transaction, without holding the
     * whole blob in memory).
     *
     * @return the number of bytes written, or -1 if the key is unknown
     */
    public long copyBlob(String key, OutputStream out) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT blob FROM segments WHERE segment_key = ?");
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return -1L;
                }
                Blob blob = rs.getBlob(1);
                try (InputStream in = blob.getBinaryStream()) {
                    return in.transferTo(out);
                } catch (IOException e) {
                    throw new StoreException(
                            StoreException.Kind.UNAVAILABLE,
                            "failed to stream segment " + key + ": " + e.getMessage(),
                            e);
                } finally {
                    blob.free();
                }
            }
        });
    }

    /** The ranges of a model recorded by {@link #put}, in (first op, end op) order. */
    public List<ModelRange> rangesOf(long modelId) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT model_id, first_op, end_op, segment_key FROM model_segments "
                    + "WHERE model_id = ? ORDER BY first_op, end_op");
            ps.setLong(1, modelId);
            List<ModelRange> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ModelRange(
                            rs.getLong(1),
                            rs.getInt(2),
                            rs.getInt(3),
                            rs.getString(4).trim()));
                }
            }
            return out;
        });
    }

    private static Segment segment(ResultSet rs) throws SQLException {
        long model = rs.getLong(2);
        Long modelId = rs.wasNull() ? null : model;
        Clob features = rs.getClob(6);
        String json = features == null ? null : features.getSubString(1, (int) features.length());
        return new Segment(
                rs.getString(1).trim(), modelId, rs.getInt(3), rs.getInt(4), rs.getLong(5), json, rs.getLong(7));
    }
}
