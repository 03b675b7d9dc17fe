package io.pipefarm.coordinator.partition;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Measured latencies of one search, through a {@link SegmentCostSource}, with what they cost: each
 * profile of a segment is charged modelled device time {@code compile seconds + (warm-up runs + timed runs)
 * x latency}. {@link #latencyNs} profiles a segment once (later requests hit the cache); {@link #profile}
 * charges a profile every time, for a search that compiles and benchmarks segments again although it has
 * seen them (Coral's pipeline probes). {@link #probes()} counts every request, cached or not. Not
 * thread-safe (one per search).
 */
public final class ProfilingSession {
    private final SegmentCostSource source;
    private final double compileNs;
    private final int invokesPerProfile;
    private final Map<Long, Double> cache = new HashMap<>();
    private long probes;
    private int profiles;
    private double deviceTimeNs;

    public ProfilingSession(SegmentCostSource source, PartitionConfig config) {
        this.source = Objects.requireNonNull(source, "measured cost source");
        this.compileNs = config.compileSecondsPerSegment() * 1e9;
        this.invokesPerProfile = config.warmupRuns() + config.timedRuns();
    }

    public SegmentCostSource source() {
        return source;
    }

    /** The measured latency of {@code [i, j)}, profiling it on first request. */
    public double latencyNs(int i, int j) {
        probes++;
        long key = key(i, j);
        Double v = cache.get(key);
        if (v != null) return v;
        double lat = source.latencyNs(i, j);
        cache.put(key, lat);
        charge(lat);
        return lat;
    }

    /**
     * Profiles {@code [i, j)} again even when it was profiled before (charged as a new profile; the value is the
     * first measurement, a device would give about the same).
     */
    public double profile(int i, int j) {
        probes++;
        long key = key(i, j);
        Double v = cache.get(key);
        double lat = v != null ? v : source.latencyNs(i, j);
        if (v == null) cache.put(key, lat);
        charge(lat);
        return lat;
    }

    private void charge(double lat) {
        profiles++;
        deviceTimeNs += compileNs + (Double.isFinite(lat) ? invokesPerProfile * lat : 0);
    }

    /** True when {@code [i, j)} has been profiled in this session. */
    public boolean isMeasured(int i, int j) {
        return cache.containsKey(key(i, j));
    }

    /** The cached latency of {@code [i, j)}, or NaN when not profiled. */
    public double cached(int i, int j) {
        Double v = cache.get(key(i, j));
        return v == null ? Double.NaN : v;
    }

    /** Segment profiles performed (a segment profiled again counts again). */
    public int profiledSegments() {
        return profiles;
    }

    /** Distinct segments profiled. */
    public int distinctSegments() {
        return cache.size();
    }

    /** Requests, including cache hits. */
    public long probes() {
        return probes;
    }

    /** Modelled device time of the profiling so far, ns. */
    public double deviceTimeNs() {
        return deviceTimeNs;
    }

    private static long key(int i, int j) {
        return ((long) i << 32) | (j & 0xffffffffL);
    }
}
