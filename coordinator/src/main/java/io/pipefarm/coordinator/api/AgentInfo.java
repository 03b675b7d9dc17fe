package io.pipefarm.coordinator.api;

import java.util.List;
import java.util.Map;

/** An agent of the farm ({@code state}: up | down | left) and its devices. */
public record AgentInfo(
        String id,
        String address,
        String state,
        long lastSeenEpochMs,
        Map<String, String> versions,
        List<DeviceInfo> devices) {
    public AgentInfo {
        versions = Copies.map(versions);
        devices = Copies.list(devices);
    }

    /** A device of an agent: its kind, the runtime that drives it, runtime versions and properties. */
    public record DeviceInfo(
            String id, String kind, String runtime, Map<String, String> versions, Map<String, String> properties) {
        public DeviceInfo {
            versions = Copies.map(versions);
            properties = Copies.map(properties);
        }
    }
}
