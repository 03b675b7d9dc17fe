package io.pipefarm.coordinator.api;

/**
 * One job of a campaign ({@code GET /api/campaigns/{id}/jobs}): what it profiles, where it stands,
 * and, for a job that failed or was sent back, the last error ({@code last_error_kind} is the
 * job error kind in lower case, e.g. {@code crash}, {@code unavailable}). {@code attempts} counts
 * runs that failed or are under way; {@code lost_leases} the leases lost to faults (an agent that
 * fell silent or left), which cost no attempt.
 */
public record JobRecord(
        long id,
        long campaignId,
        String segmentKey,
        String deviceKind,
        String state,
        String leaseAgent,
        String leaseDevice,
        Long leaseDeadlineEpochMs,
        int attempts,
        int maxAttempts,
        int lostLeases,
        String lastErrorKind,
        String lastErrorMessage,
        long createdEpochMs,
        Long finishedEpochMs) {}
