package io.pipefarm.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * Which segments of each model a campaign profiles: {@code mode} {@code all} (every contiguous
 * segment), {@code given} (the segmentation at {@code cuts}), {@code ranges} (exactly these
 * {@code [i, j]} segments) or {@code random} ({@code count} random segmentations into
 * {@code stages} stages, seeded by {@code seed}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CampaignCuts(
        String mode, List<Integer> cuts, List<List<Integer>> ranges, Integer count, Integer stages, Long seed) {
    public CampaignCuts {
        cuts = cuts == null ? null : Copies.list(cuts);
        if (ranges != null) {
            List<List<Integer>> copy = new ArrayList<>();
            for (List<Integer> r : ranges) copy.add(Copies.list(r));
            ranges = List.copyOf(copy);
        }
    }

    public static CampaignCuts all() {
        return new CampaignCuts("all", null, null, null, null, null);
    }

    public static CampaignCuts given(int... cuts) {
        List<Integer> xs = new ArrayList<>();
        for (int c : cuts) xs.add(c);
        return new CampaignCuts("given", xs, null, null, null, null);
    }

    public static CampaignCuts ranges(int[][] ranges) {
        List<List<Integer>> rs = new ArrayList<>();
        for (int[] r : ranges) rs.add(List.of(r[0], r[1]));
        return new CampaignCuts("ranges", null, rs, null, null, null);
    }

    public static CampaignCuts random(int count, int stages, long seed) {
        return new CampaignCuts("random", null, null, count, stages, seed);
    }
}
