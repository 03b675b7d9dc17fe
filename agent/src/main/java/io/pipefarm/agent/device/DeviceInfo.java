package io.pipefarm.agent.device;

import io.pipefarm.proto.farm.Device;
import java.util.Map;
import java.util.TreeMap;

/** A device an agent discovered: its id within the agent, its kind, and the runtime that drives it. */
public record DeviceInfo(
        String id, String kind, String runtime, Map<String, String> versions, Map<String, String> properties) {
    public DeviceInfo {
        versions = Map.copyOf(versions);
        properties = Map.copyOf(properties);
    }

    public Device toProto() {
        return Device.newBuilder()
                .setId(id)
                .setKind(kind)
                .setRuntime(runtime)
                .putAllVersions(new TreeMap<>(versions))
                .putAllProperties(new TreeMap<>(properties))
                .build();
    }
}
