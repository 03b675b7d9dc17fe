package io.pipefarm.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A predictor training job ({@code state}: queued | running | done | failed): {@code result} when
 * done, {@code error} when failed.
 */
public record TrainingJob(
        long id,
        String kind,
        String state,
        long createdEpochMs,
        Long finishedEpochMs,
        @JsonInclude(JsonInclude.Include.NON_NULL) TrainingOutcome result,
        @JsonInclude(JsonInclude.Include.NON_NULL) ApiError.Detail error) {

    /** True when done or failed. */
    public boolean finished() {
        return "done".equals(state) || "failed".equals(state);
    }
}
