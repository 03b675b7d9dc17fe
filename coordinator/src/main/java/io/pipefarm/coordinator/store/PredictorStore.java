package io.pipefarm.coordinator.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Stored predictor versions (table {@code predictors}, migration V2): per device kind, versions
 * 1, 2, ... with their metrics, data summary, held-out architectures and artifact (a
 * {@link PredictorArtifact} zip); at most one version per kind is <em>serving</em>. Saving and
 * promoting are one durable transaction each. Also the few profile counts retraining needs.
 */
public final class PredictorStore {
    private static final ObjectMapper JSON = Json.mapper();

    /** A stored version (without its artifact bytes; see {@link #artifact}). */
    public record Version(
            long id,
            String kind,
            String family,
            long version,
            long createdMs,
            boolean serving,
            Long promotedMs,
            Map<String, Object> metrics,
            Map<String, Object> data,
            List<String> heldOut,
            long profilesMaxId,
            long artifactSize) {}

    /**
     * A trained predictor to store. The store keeps bytes and does not read them: whoever builds a
     * version has checked the artifact, and {@code artifactForVersion} gives its bytes carrying the
     * version the store assigns (known only inside the saving transaction).
     */
    public record NewVersion(
            String kind,
            String family,
            LongFunction<byte[]> artifactForVersion,
            Map<String, Object> metrics,
            Map<String, Object> data,
            List<String> heldOut,
            long profilesMaxId) {}

    /** Latest-profile counts of one kind: profiles (one per segment) and distinct architectures (model names). */
    public record Counts(String kind, long profiles, long architectures) {}

    private static final String COLS = "id, device_kind, family, version, created, serving, promoted, metrics, "
            + "data_summary, held_out, profiles_max_id, artifact_size";

    private final Database db;

    public PredictorStore(Database db) {
        this.db = db;
    }

    /**
     * Stores a new version of {@code v.kind()} (version = highest so far + 1) and, when
     * {@code promote}, makes it the serving one, all in one durable transaction.
     */
    public Version save(NewVersion v, boolean promote, long nowMs) {
        AgentStore.checkKind(v.kind());
        String metrics = write(v.metrics()),
                data = write(v.data()),
                held = write(v.heldOut() == null ? List.of() : v.heldOut());
        // Two saves of one kind may race for the same version number: the second takes the next one.
        long id = db.txDurableRetryingConflicts(3, tx -> {
            long version;
            PreparedStatement max = tx.ps("SELECT COALESCE(MAX(version), 0) FROM predictors WHERE device_kind = ?");
            max.setString(1, v.kind());
            try (ResultSet rs = max.executeQuery()) {
                rs.next();
                version = rs.getLong(1) + 1;
            }
            byte[] bytes = v.artifactForVersion().apply(version);
            PreparedStatement ins = tx.psKeys("INSERT INTO predictors (device_kind, version, created, family, serving, "
                    + "metrics, data_summary, held_out, profiles_max_id, artifact_size, artifact) "
                    + "VALUES (?, ?, ?, ?, FALSE, ?, ?, ?, ?, ?, ?)");
            ins.setString(1, v.kind());
            ins.setLong(2, version);
            ins.setLong(3, nowMs);
            ins.setString(4, v.family());
            ins.setString(5, metrics);
            ins.setString(6, data);
            ins.setString(7, held);
            ins.setLong(8, v.profilesMaxId());
            ins.setLong(9, bytes.length);
            ins.setBinaryStream(10, new ByteArrayInputStream(bytes), bytes.length);
            ins.executeUpdate();
            long newId;
            try (ResultSet rs = ins.getGeneratedKeys()) {
                rs.next();
                newId = rs.getLong(1);
            }
            if (promote) promoteIn(tx, newId, v.kind(), nowMs);
            return newId;
        });
        return get(id).orElseThrow();
    }

    /** Makes version {@code id} the serving one of its kind (the previous one stops serving). */
    public Version promote(long id, long nowMs) {
        db.txDurable(tx -> {
            PreparedStatement ps = tx.ps("SELECT device_kind FROM predictors WHERE id = ?");
            ps.setLong(1, id);
            String kind;
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw StoreException.notFound("no predictor " + id);
                kind = rs.getString(1);
            }
            promoteIn(tx, id, kind, nowMs);
            return null;
        });
        return get(id).orElseThrow();
    }

    private static void promoteIn(Database.Tx tx, long id, String kind, long nowMs) throws SQLException {
        PreparedStatement off =
                tx.ps("UPDATE predictors SET serving = FALSE WHERE device_kind = ? AND serving = TRUE AND id <> ?");
        off.setString(1, kind);
        off.setLong(2, id);
        off.executeUpdate();
        PreparedStatement on = tx.ps("UPDATE predictors SET serving = TRUE, promoted = ? WHERE id = ?");
        on.setLong(1, nowMs);
        on.setLong(2, id);
        on.executeUpdate();
    }

    /** Versions, newest first; {@code kind} null: all kinds. */
    public List<Version> list(String kind) {
        return db.tx(tx -> {
            PreparedStatement ps;
            if (kind == null) {
                ps = tx.ps("SELECT " + COLS + " FROM predictors WHERE artifact IS NOT NULL ORDER BY id DESC");
            } else {
                ps = tx.ps("SELECT " + COLS
                        + " FROM predictors WHERE artifact IS NOT NULL AND device_kind = ? ORDER BY id DESC");
                ps.setString(1, kind);
            }
            List<Version> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(row(rs));
            }
            return out;
        });
    }

    public Optional<Version> get(long id) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT " + COLS + " FROM predictors WHERE id = ? AND artifact IS NOT NULL");
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.<Version>empty();
            }
        });
    }

    /** The serving version of a kind, if one was promoted. */
    public Optional<Version> serving(String kind) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT " + COLS + " FROM predictors WHERE device_kind = ? AND serving = TRUE "
                    + "AND artifact IS NOT NULL ORDER BY id DESC LIMIT 1");
            ps.setString(1, kind);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.<Version>empty();
            }
        });
    }

    /** The artifact bytes of a version. */
    public Optional<byte[]> artifact(long id) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT artifact FROM predictors WHERE id = ?");
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBytes(1) != null ? Optional.of(rs.getBytes(1)) : Optional.<byte[]>empty();
            }
        });
    }

    /** The newest stored version of a kind (serving or not): where retraining counts new profiles from. */
    public Optional<Version> newest(String kind) {
        List<Version> l = list(kind);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    // ---- profile counts used by training and retraining ------------------------------------

    /** Highest profile id of a kind (0 when it has none). */
    public long maxProfileId(String kind) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT COALESCE(MAX(id), 0) FROM profiles WHERE device_kind = ?");
            ps.setString(1, kind);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Profiles of a kind stored after profile id {@code afterId}, per kind. */
    public Map<String, Long> profilesSince(Map<String, Long> afterIdByKind) {
        return db.tx(tx -> {
            Map<String, Long> out = new LinkedHashMap<>();
            PreparedStatement ps = tx.ps("SELECT COUNT(*) FROM profiles WHERE device_kind = ? AND id > ?");
            for (Map.Entry<String, Long> e : afterIdByKind.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setLong(2, e.getValue());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    out.put(e.getKey(), rs.getLong(1));
                }
            }
            return out;
        });
    }

    /** Device kinds that have at least one profile. */
    public List<String> kindsWithProfiles() {
        return db.tx(tx -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = tx.ps("SELECT DISTINCT device_kind FROM profiles ORDER BY device_kind")
                    .executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    /** Whether the farm knows the kind: registered by an agent or campaign, or has profiles. */
    public boolean kindKnown(String kind) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT (SELECT COUNT(*) FROM device_kinds WHERE kind = ?) "
                    + "+ (SELECT COUNT(*) FROM predictors WHERE device_kind = ?)");
            ps.setString(1, kind);
            ps.setString(2, kind);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        });
    }

    /** Newest-per-segment profiles of a kind whose segment has a model, and their distinct model names. */
    public Counts counts(String kind) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT COUNT(*), COUNT(DISTINCT m.name) FROM profiles p "
                    + "JOIN segments s ON s.segment_key = p.segment_key JOIN models m ON m.id = s.model_id "
                    + "WHERE p.device_kind = ? AND p.id = (SELECT MAX(l.id) FROM profiles l "
                    + "WHERE l.segment_key = p.segment_key AND l.device_kind = p.device_kind)");
            ps.setString(1, kind);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Counts(kind, rs.getLong(1), rs.getLong(2));
            }
        });
    }

    // ---- rows and JSON -------------------------------------------------------------------------

    private static Version row(ResultSet rs) throws SQLException {
        long promoted = rs.getLong(7);
        Long promotedMs = rs.wasNull() ? null : promoted;
        return new Version(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                rs.getLong(4),
                rs.getLong(5),
                rs.getBoolean(6),
                promotedMs,
                readMap(rs.getString(8)),
                readMap(rs.getString(9)),
                readList(rs.getString(10)),
                rs.getLong(11),
                rs.getLong(12));
    }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o == null ? Map.of() : o);
        } catch (IOException e) {
            throw StoreException.badInput("cannot encode as JSON: " + e.getMessage());
        }
    }

    private static Map<String, Object> readMap(String s) {
        if (s == null || s.isBlank()) return Map.of();
        try {
            return JSON.readValue(s, new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new StoreException(
                    StoreException.Kind.UNAVAILABLE, "corrupt JSON in table predictors: " + e.getMessage());
        }
    }

    private static List<String> readList(String s) {
        if (s == null || s.isBlank()) return List.of();
        try {
            return JSON.readValue(s, new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new StoreException(
                    StoreException.Kind.UNAVAILABLE, "corrupt JSON in table predictors: " + e.getMessage());
        }
    }
}
