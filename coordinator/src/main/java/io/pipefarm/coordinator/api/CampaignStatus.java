package io.pipefarm.coordinator.api;

/**
 * A campaign's progress. {@code state}: running | paused | done | cancelled; {@code done_rate_per_s}
 * counts jobs done over the recent window; {@code eta_s} is -1 when unknown.
 */
public record CampaignStatus(
        long id,
        String name,
        String state,
        long total,
        JobCounts counts,
        double doneRatePerS,
        double etaS,
        long skippedProfiled,
        long skippedInFlight,
        long createdEpochMs,
        Long finishedEpochMs) {

    /** Jobs per state. */
    public record JobCounts(long queued, long leased, long done, long failed, long cancelled) {
        public static final JobCounts NONE = new JobCounts(0, 0, 0, 0, 0);

        /** Jobs still to run (queued or leased). */
        public long open() {
            return queued + leased;
        }
    }

    public CampaignStatus {
        if (counts == null) counts = JobCounts.NONE;
    }

    /** True once the campaign is done or cancelled (nothing will change any more). */
    public boolean finished() {
        return "done".equals(state) || "cancelled".equals(state);
    }
}
