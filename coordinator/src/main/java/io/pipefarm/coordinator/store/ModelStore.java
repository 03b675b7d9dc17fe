package io.pipefarm.coordinator.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Registered models (a name, where they came from, their op count). */
public final class ModelStore {

    /** A registered model. {@code source} is a file path, URL or {@code zoo:<name>}. */
    public record Model(long id, String name, String source, int opCount, long createdMs) {}

    /** Longest name the models table keeps. */
    private static final int MAX_NAME = 256;

    private final Database db;

    public ModelStore(Database db) {
        this.db = db;
    }

    /** Registers a model and returns its id. Names need not be unique (latest wins in lookups). */
    public long add(String name, String source, int opCount, long nowMs) {
        if (name == null || name.isBlank()) {
            throw StoreException.badInput("a model needs a non-empty name");
        }
        if (opCount < 1) {
            throw StoreException.badInput("model '" + name + "' must have at least one op, got " + opCount);
        }
        return db.txDurable(tx -> insert(tx, name, source, opCount, null, nowMs));
    }

    private static long insert(Database.Tx tx, String name, String source, int opCount, String contentKey, long nowMs)
            throws SQLException {
        if (name.length() > MAX_NAME) {
            throw StoreException.badInput("model name '" + name.substring(0, 40) + "...' is longer than " + MAX_NAME
                    + " characters; rename the model");
        }
        PreparedStatement ps =
                tx.psKeys("INSERT INTO models (name, source, op_count, created, content_key) VALUES (?, ?, ?, ?, ?)");
        ps.setString(1, name);
        ps.setString(2, source == null ? "" : source);
        ps.setInt(3, opCount);
        ps.setLong(4, nowMs);
        ps.setString(5, contentKey);
        ps.executeUpdate();
        try (ResultSet rs = ps.getGeneratedKeys()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The id of the model with this content, registering it first if it is new: a model is known by
     * its content ({@code contentKey}, the SHA-256 of its canonical bytes), not by its name. A new
     * model whose name another model already has is registered as {@code name~<key prefix>}, so
     * that its profiles never mix with the other's (predictor training splits by model name).
     */
    public long register(String name, String source, int opCount, String contentKey, long nowMs) {
        SegmentStore.checkKey(contentKey);
        // Two campaigns may register the same new model at once.
        return db.txDurableRetryingConflicts(3, tx -> {
            PreparedStatement known = tx.ps("SELECT id FROM models WHERE content_key = ?");
            known.setString(1, contentKey);
            try (ResultSet rs = known.executeQuery()) {
                if (rs.next()) return rs.getLong(1);
            }
            PreparedStatement taken = tx.ps("SELECT 1 FROM models WHERE name = ? LIMIT 1");
            taken.setString(1, name);
            String display = name;
            try (ResultSet rs = taken.executeQuery()) {
                if (rs.next()) display = name + "~" + contentKey.substring(0, 8);
            }
            return insert(tx, display, source, opCount, contentKey, nowMs);
        });
    }

    public Optional<Model> get(long id) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT id, name, source, op_count, created FROM models WHERE id = ?");
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.<Model>empty();
            }
        });
    }

    /** The most recently registered model with this name. */
    public Optional<Model> byName(String name) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("SELECT id, name, source, op_count, created FROM models WHERE name = ? "
                    + "ORDER BY id DESC LIMIT 1");
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.<Model>empty();
            }
        });
    }

    public List<Model> list() {
        return db.tx(tx -> {
            List<Model> out = new ArrayList<>();
            try (ResultSet rs = tx.ps("SELECT id, name, source, op_count, created FROM models ORDER BY id")
                    .executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        });
    }

    private static Model row(ResultSet rs) throws SQLException {
        return new Model(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5));
    }
}
