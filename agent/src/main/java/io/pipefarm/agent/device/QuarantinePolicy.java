package io.pipefarm.agent.device;

import io.pipefarm.proto.farm.ErrorKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * When to stop sending jobs to a device: after {@code threshold} jobs in a row failed with a device
 * kind of error (CRASH, TIMEOUT, UNAVAILABLE), the device is quarantined for a back-off that starts at
 * {@code initialBackoff} and doubles with every further quarantine up to {@code maxBackoff}. When the
 * back-off has passed, the next job is let through as a re-probe: success (or a failure that is the
 * segment's, not the device's) ends the quarantine history; another device failure quarantines it
 * again at once with the doubled back-off.
 *
 * <p>Plain object, no threads; the clock is injected. Thread-safe.
 */
public final class QuarantinePolicy {
    /** Error kinds that count against a device; the others (COMPILE, LOAD, RUN, BAD_INPUT) are the segment's. */
    public static final Set<ErrorKind> DEVICE_FAILURES =
            Set.of(ErrorKind.ERROR_KIND_CRASH, ErrorKind.ERROR_KIND_TIMEOUT, ErrorKind.ERROR_KIND_UNAVAILABLE);

    public static final int DEFAULT_THRESHOLD = 3;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMinutes(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(30);

    private final int threshold;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Clock clock;
    private final Map<String, State> states = new HashMap<>();

    private static final class State {
        int consecutive;
        int quarantines;
        Instant until;
        boolean probing;
        String lastError = "";
    }

    /** A device's quarantine: until when, after how many failures in a row, and the last error. */
    public record Quarantine(String deviceId, Instant until, int failures, Duration backoff, String lastError) {}

    public QuarantinePolicy() {
        this(DEFAULT_THRESHOLD, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, Clock.systemUTC());
    }

    public QuarantinePolicy(int threshold, Duration initialBackoff, Duration maxBackoff, Clock clock) {
        if (threshold < 1) throw new IllegalArgumentException("quarantine threshold must be >= 1, got " + threshold);
        if (initialBackoff.isNegative() || initialBackoff.isZero())
            throw new IllegalArgumentException("initial back-off must be > 0");
        if (maxBackoff.compareTo(initialBackoff) < 0)
            throw new IllegalArgumentException("max back-off must be >= initial back-off");
        this.threshold = threshold;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public int threshold() {
        return threshold;
    }

    /** The back-off of the n-th quarantine (n >= 1): initial * 2^(n-1), capped. */
    public Duration backoff(int n) {
        Duration d = initialBackoff;
        for (int i = 1; i < n && d.compareTo(maxBackoff) < 0; i++) d = d.multipliedBy(2);
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }

    /**
     * Whether a job may run on the device now. Empty: go ahead (possibly as the re-probe after a
     * back-off). Present: the device is quarantined.
     */
    public synchronized Optional<Quarantine> check(String deviceId) {
        State s = states.get(deviceId);
        if (s == null || s.until == null) return Optional.empty();
        Instant now = clock.instant();
        if (now.isBefore(s.until)) {
            return Optional.of(new Quarantine(deviceId, s.until, s.consecutive, backoff(s.quarantines), s.lastError));
        }
        s.probing = true; // back-off over: this job re-probes the device
        return Optional.empty();
    }

    /** The current quarantine of a device, if any (does not start a re-probe). */
    public synchronized Optional<Quarantine> current(String deviceId) {
        State s = states.get(deviceId);
        if (s == null || s.until == null || !clock.instant().isBefore(s.until)) return Optional.empty();
        return Optional.of(new Quarantine(deviceId, s.until, s.consecutive, backoff(s.quarantines), s.lastError));
    }

    /**
     * Records what a job on the device gave.
     *
     * @return the quarantine this outcome started, if it started one
     */
    public synchronized Optional<Quarantine> record(String deviceId, RunOutcome outcome) {
        State s = states.computeIfAbsent(deviceId, k -> new State());
        if (outcome instanceof RunOutcome.Failed f && DEVICE_FAILURES.contains(f.kind())) {
            s.consecutive++;
            s.lastError = f.kind().name().replace("ERROR_KIND_", "") + ": " + firstLine(f.message());
            if (s.probing || s.consecutive >= threshold) {
                s.probing = false;
                s.quarantines++;
                Duration b = backoff(s.quarantines);
                s.until = clock.instant().plus(b);
                return Optional.of(new Quarantine(deviceId, s.until, s.consecutive, b, s.lastError));
            }
            return Optional.empty();
        }
        states.remove(deviceId); // the device answered: history cleared
        return Optional.empty();
    }

    /** Failures in a row so far (0 for an unknown device). */
    public synchronized int consecutiveFailures(String deviceId) {
        State s = states.get(deviceId);
        return s == null ? 0 : s.consecutive;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
