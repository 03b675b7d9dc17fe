package io.pipefarm.coordinator.store;

import java.util.Locale;

/** States of a job; stored as the lower-case name. */
public enum JobState {
    QUEUED,
    LEASED,
    DONE,
    FAILED,
    CANCELLED;

    public String db() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobState fromDb(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    public boolean terminal() {
        return this == DONE || this == FAILED || this == CANCELLED;
    }
}
