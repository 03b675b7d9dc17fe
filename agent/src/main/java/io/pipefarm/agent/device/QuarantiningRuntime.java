package io.pipefarm.agent.device;

import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DeviceRuntime} that keeps jobs off devices that keep failing ({@link QuarantinePolicy}):
 * while a device is quarantined, {@link #profile} returns
 * {@code Failed(UNAVAILABLE, "device X quarantined until T after N failures: last error ...")} without
 * touching the device; after the back-off the next job re-probes it.
 */
public final class QuarantiningRuntime implements DeviceRuntime {
    private static final Logger log = LoggerFactory.getLogger(QuarantiningRuntime.class);

    private final DeviceRuntime delegate;
    private final QuarantinePolicy policy;

    public QuarantiningRuntime(DeviceRuntime delegate, QuarantinePolicy policy) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** With the default policy (3 failures, 1 min doubling to 30 min). */
    public static QuarantiningRuntime wrap(DeviceRuntime delegate) {
        return new QuarantiningRuntime(delegate, new QuarantinePolicy());
    }

    public DeviceRuntime delegate() {
        return delegate;
    }

    public QuarantinePolicy policy() {
        return policy;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public List<DeviceInfo> discover() {
        return delegate.discover();
    }

    @Override
    public RunOutcome profile(DeviceInfo device, String segmentKey, byte[] segment, ProfileSpec spec) {
        String id = device == null ? "null" : device.id();
        Optional<QuarantinePolicy.Quarantine> q = policy.check(id);
        if (q.isPresent()) return new RunOutcome.Failed(ErrorKind.ERROR_KIND_UNAVAILABLE, message(q.get()));
        RunOutcome o = delegate.profile(device, segmentKey, segment, spec);
        Optional<QuarantinePolicy.Quarantine> started = policy.record(id, o);
        started.ifPresent(s -> log.warn("{}", message(s)));
        return o;
    }

    static String message(QuarantinePolicy.Quarantine q) {
        return "device " + q.deviceId() + " quarantined until " + q.until() + " (back-off "
                + q.backoff().toSeconds()
                + " s) after " + q.failures() + " failure" + (q.failures() == 1 ? "" : "s") + " in a row: last error "
                + q.lastError();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
