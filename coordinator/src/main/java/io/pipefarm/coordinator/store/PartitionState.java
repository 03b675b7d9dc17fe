package io.pipefarm.coordinator.store;

import java.util.Locale;

/** States of a partition search; stored as the lower-case name. */
public enum PartitionState {
    RUNNING,
    DONE,
    FAILED;

    public String db() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PartitionState fromDb(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
