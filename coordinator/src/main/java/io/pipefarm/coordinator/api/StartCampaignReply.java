package io.pipefarm.coordinator.api;

/**
 * {@code POST /api/campaigns} answer: the jobs the campaign enqueued, the (segment, kind) pairs it
 * skipped because a profile exists or a job for them is in flight, and its status.
 */
public record StartCampaignReply(
        long campaignId, long jobsEnqueued, long skippedProfiled, long skippedInFlight, CampaignStatus status) {}
