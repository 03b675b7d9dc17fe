package io.pipefarm.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A partition search ({@code state}: running | done | failed): {@code result} is its partition once
 * done, {@code error} says why it failed.
 */
public record PartitionSummary(
        long id,
        String model,
        String kind,
        int tpus,
        String method,
        String state,
        @JsonInclude(JsonInclude.Include.NON_NULL) String error,
        long createdEpochMs,
        Long finishedEpochMs,
        @JsonInclude(JsonInclude.Include.NON_NULL) Partition result) {}
