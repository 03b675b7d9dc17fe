package io.pipefarm.agent.device;

import io.pipefarm.proto.farm.ProfileSpec;
import java.util.List;

/**
 * A way of running segments on some devices of one host (DESIGN.md §6): discovers its devices at
 * start and profiles a segment on one of them. {@link #profile} blocks; callers run it off actor
 * threads. Implementations never throw for a bad segment or a failing device: they return
 * {@link RunOutcome.Failed} with the matching error kind.
 */
public interface DeviceRuntime extends AutoCloseable {

    /** Runtime name as reported in registrations, e.g. "tflite-cpu", "sim-edgetpu". */
    String name();

    List<DeviceInfo> discover();

    RunOutcome profile(DeviceInfo device, String segmentKey, byte[] segment, ProfileSpec spec);

    @Override
    default void close() {}
}
