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
        return db.txDurable(tx -> {
            PreparedStatement ps =
                    tx.psKeys("INSERT INTO models (name, source, op_count, created) VALUES (?, ?, ?, ?)");
            ps.setString(1, name);
            ps.setString(2, source == null ? "" : source);
            ps.setInt(3, opCount);
            ps.setLong(4, nowMs);
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                return rs.getLong(1);
            }
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
