package io.pipefarm.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How each job of a campaign times its segment (the fields of {@code pipefarm.farm.ProfileSpec});
 * a null field takes the default: 1 warm-up run, 10 timed runs, no target error, no run bound,
 * 60 000 ms budget, runtime-default threads, no raw samples.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProfileSettings(
        Integer warmupRuns,
        Integer timedRuns,
        Double targetRelError,
        Integer maxRuns,
        Long timeBudgetMs,
        Integer threads,
        Boolean keepSamples) {}
