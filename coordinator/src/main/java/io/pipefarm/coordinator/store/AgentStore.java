package io.pipefarm.coordinator.store;

import io.pipefarm.model.device.DeviceKind;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Agents, their devices, and the device kinds ever seen. */
public final class AgentStore {

    public enum AgentState {
        UP,
        DOWN,
        LEFT;

        String db() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public record Device(
            String id, String kind, String runtime, Map<String, String> versions, Map<String, String> properties) {}

    public record Agent(
            String id,
            String address,
            AgentState state,
            long lastSeenMs,
            Map<String, String> versions,
            List<Device> devices) {}

    private final Database db;

    public AgentStore(Database db) {
        this.db = db;
    }

    /** Throws BAD_INPUT unless {@code kind} names a device kind (e.g. "edgetpu-usb"). */
    public static void checkKind(String kind) {
        try {
            DeviceKind.parse(kind);
        } catch (IllegalArgumentException e) {
            throw StoreException.badInput(e.getMessage());
        }
    }

    /** Registers (or re-registers) an agent as up, replacing its device list. */
    public void register(
            String agentId, String address, Map<String, String> versions, List<Device> devices, long nowMs) {
        if (agentId == null || agentId.isBlank()) {
            throw StoreException.badInput("an agent needs a non-empty id");
        }
        for (Device d : devices) {
            checkKind(d.kind());
        }
        db.tx(tx -> {
            PreparedStatement up = tx.ps("MERGE INTO agents (id, address, last_seen, state, versions) KEY (id) "
                    + "VALUES (?, ?, ?, 'up', ?)");
            up.setString(1, agentId);
            up.setString(2, address == null ? "" : address);
            up.setLong(3, nowMs);
            up.setString(4, Json.write(versions));
            up.executeUpdate();
            PreparedStatement del = tx.ps("DELETE FROM devices WHERE agent_id = ?");
            del.setString(1, agentId);
            del.executeUpdate();
            PreparedStatement ins = tx.ps("INSERT INTO devices (agent_id, id, kind, runtime, versions, properties) "
                    + "VALUES (?, ?, ?, ?, ?, ?)");
            for (Device d : devices) {
                ensureKind(tx, d.kind(), nowMs);
                ins.setString(1, agentId);
                ins.setString(2, d.id());
                ins.setString(3, d.kind());
                ins.setString(4, d.runtime() == null ? "" : d.runtime());
                ins.setString(5, Json.write(d.versions()));
                ins.setString(6, Json.write(d.properties()));
                ins.executeUpdate();
            }
            return null;
        });
    }

    /** Records that an agent was heard from; false if it is unknown (it should re-register). */
    public boolean touch(String agentId, long nowMs) {
        return db.tx(tx -> {
            PreparedStatement ps = tx.ps("UPDATE agents SET last_seen = ?, state = 'up' WHERE id = ?");
            ps.setLong(1, nowMs);
            ps.setString(2, agentId);
            return ps.executeUpdate() == 1;
        });
    }

    /** Marks an agent down (unreachable) or left (orderly shutdown). */
    public void setState(String agentId, AgentState state) {
        int n = db.tx(tx -> {
            PreparedStatement ps = tx.ps("UPDATE agents SET state = ? WHERE id = ?");
            ps.setString(1, state.db());
            ps.setString(2, agentId);
            return ps.executeUpdate();
        });
        if (n == 0) {
            throw StoreException.notFound("no agent " + agentId);
        }
    }

    public Optional<Agent> get(String agentId) {
        return list().stream().filter(a -> a.id().equals(agentId)).findFirst();
    }

    public List<Agent> list() {
        return db.tx(tx -> {
            List<Agent> out = new ArrayList<>();
            try (ResultSet rs = tx.ps("SELECT id, address, state, last_seen, versions FROM agents ORDER BY id")
                    .executeQuery()) {
                while (rs.next()) {
                    out.add(new Agent(
                            rs.getString(1),
                            rs.getString(2),
                            AgentState.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)),
                            rs.getLong(4),
                            Json.readMap(rs.getString(5)),
                            new ArrayList<>()));
                }
            }
            PreparedStatement ds = tx.ps(
                    "SELECT id, kind, runtime, versions, properties FROM devices " + "WHERE agent_id = ? ORDER BY id");
            List<Agent> full = new ArrayList<>();
            for (Agent a : out) {
                ds.setString(1, a.id());
                List<Device> devices = new ArrayList<>();
                try (ResultSet rs = ds.executeQuery()) {
                    while (rs.next()) {
                        devices.add(new Device(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                Json.readMap(rs.getString(4)),
                                Json.readMap(rs.getString(5))));
                    }
                }
                full.add(new Agent(a.id(), a.address(), a.state(), a.lastSeenMs(), a.versions(), List.copyOf(devices)));
            }
            return full;
        });
    }

    /** All device kinds ever registered (by agents or campaigns). */
    public List<String> deviceKinds() {
        return db.tx(tx -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs =
                    tx.ps("SELECT kind FROM device_kinds ORDER BY kind").executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    /** Registers a device kind with a description (updates the description if it exists). */
    public void addDeviceKind(String kind, String description, long nowMs) {
        checkKind(kind);
        db.tx(tx -> {
            ensureKind(tx, kind, nowMs);
            PreparedStatement ps = tx.ps("UPDATE device_kinds SET description = ? WHERE kind = ?");
            ps.setString(1, description);
            ps.setString(2, kind);
            ps.executeUpdate();
            return null;
        });
    }

    static void ensureKind(Database.Tx tx, String kind, long nowMs) throws SQLException {
        PreparedStatement has = tx.ps("SELECT 1 FROM device_kinds WHERE kind = ?");
        has.setString(1, kind);
        try (ResultSet rs = has.executeQuery()) {
            if (rs.next()) {
                return;
            }
        }
        PreparedStatement ins = tx.ps("MERGE INTO device_kinds (kind, created) KEY (kind) VALUES (?, ?)");
        ins.setString(1, kind);
        ins.setLong(2, nowMs);
        ins.executeUpdate();
    }
}
