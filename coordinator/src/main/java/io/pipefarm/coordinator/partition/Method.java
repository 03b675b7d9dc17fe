package io.pipefarm.coordinator.partition;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The partition search methods (DESIGN.md section 8). */
public enum Method {
    /** DP on measured costs of every segment it needs (the oracle). */
    EXACT(false, true),
    /** DP on predicted costs only; nothing profiled. */
    PREDICT(true, false),
    /** Predict all, verify the M best candidates' segments by profiling, return the best measured. */
    HYBRID(true, true),
    /** Coral's partition_with_profiling: bisection on a target latency with a greedy longest-prefix search. */
    PROFILE(false, true),
    /** Equal parameter bytes, like {@code edgetpu_compiler --num_segments}. */
    EVEN(false, false),
    /** Fill each stage up to a k-th of the predicted whole-model latency. */
    GREEDY(true, false),
    /** Seeded random cuts. */
    RANDOM(false, false);

    private final boolean needsPrediction;
    private final boolean needsMeasurement;

    Method(boolean needsPrediction, boolean needsMeasurement) {
        this.needsPrediction = needsPrediction;
        this.needsMeasurement = needsMeasurement;
    }

    public boolean needsPrediction() {
        return needsPrediction;
    }

    public boolean needsMeasurement() {
        return needsMeasurement;
    }

    /** Lower-case name as users write it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The method named {@code s} (case-insensitive); a clear error listing the methods otherwise. */
    public static Method parse(String s) {
        if (s != null) {
            for (Method m : values()) if (m.id().equalsIgnoreCase(s.trim())) return m;
        }
        throw new IllegalArgumentException("unknown partition method '" + s + "'; known methods: "
                + Arrays.stream(values()).map(Method::id).collect(Collectors.joining(", ")));
    }
}
