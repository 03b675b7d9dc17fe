package io.pipefarm.coordinator.store;

import java.util.Locale;

/** States of a campaign; stored as the lower-case name. */
public enum CampaignState {
    RUNNING,
    PAUSED,
    DONE,
    CANCELLED;

    public String db() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static CampaignState fromDb(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
