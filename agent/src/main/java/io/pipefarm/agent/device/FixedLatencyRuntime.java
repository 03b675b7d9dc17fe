package io.pipefarm.agent.device;

import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A benchmark and test runtime: {@code n} devices {@code fixed0, fixed1, ...} of one kind (e.g.
 * {@code bench-fixed}) on which every job takes the same wall time (zero: it returns at once) and
 * reports that latency as each of its {@code max(1, timed_runs)} samples. It never reads the segment
 * bytes, so any blob will do. Thread-safe; devices run concurrently.
 */
public final class FixedLatencyRuntime implements DeviceRuntime {
    public static final String NAME = "fixed";

    private final String kind;
    private final long latencyNs;
    private final List<DeviceInfo> devices;
    private final AtomicLong jobs = new AtomicLong();
    private volatile boolean closed;

    public FixedLatencyRuntime(String kind, int devices, Duration latency) {
        this.kind = DeviceKind.parse(Objects.requireNonNull(kind, "kind")).name();
        if (devices < 0) throw new IllegalArgumentException("device count must be >= 0, got " + devices);
        if (latency.isNegative()) throw new IllegalArgumentException("latency must be >= 0, got " + latency);
        this.latencyNs = latency.toNanos();
        List<DeviceInfo> list = new ArrayList<>(devices);
        for (int i = 0; i < devices; i++) {
            list.add(new DeviceInfo(
                    "fixed" + i, kind, NAME, Map.of(NAME, "1"), Map.of("latency_ns", Long.toString(latencyNs))));
        }
        this.devices = List.copyOf(list);
    }

    @Override
    public String name() {
        return NAME;
    }

    public String kind() {
        return kind;
    }

    public Duration latency() {
        return Duration.ofNanos(latencyNs);
    }

    /** Jobs profiled so far (successful ones). */
    public long jobs() {
        return jobs.get();
    }

    @Override
    public List<DeviceInfo> discover() {
        return closed ? List.of() : devices;
    }

    @Override
    public RunOutcome profile(DeviceInfo device, String segmentKey, byte[] segment, ProfileSpec spec) {
        if (closed) return new RunOutcome.Failed(ErrorKind.ERROR_KIND_UNAVAILABLE, "fixed runtime is closed");
        if (device == null || !devices.contains(device)) {
            return new RunOutcome.Failed(ErrorKind.ERROR_KIND_UNAVAILABLE, "fixed runtime has no device " + device);
        }
        if (latencyNs > 0) {
            long end = System.nanoTime() + latencyNs;
            for (long left = latencyNs; left > 0; left = end - System.nanoTime()) {
                LockSupport.parkNanos(left);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    return new RunOutcome.Failed(ErrorKind.ERROR_KIND_UNAVAILABLE, "interrupted on " + device.id());
                }
            }
        }
        long[] samples = new long[Math.max(1, spec == null ? 1 : spec.getTimedRuns())];
        Arrays.fill(samples, latencyNs);
        jobs.incrementAndGet();
        return new RunOutcome.Measured(samples, device.versions());
    }

    @Override
    public void close() {
        closed = true;
    }
}
