package io.pipefarm.coordinator.predictor.service;

import java.util.Locale;

/** States of a training request; shown as the lower-case name. */
public enum TrainingState {
    QUEUED,
    RUNNING,
    DONE,
    FAILED;

    /** The name in HTTP replies, e.g. {@code done}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this == DONE || this == FAILED;
    }
}
