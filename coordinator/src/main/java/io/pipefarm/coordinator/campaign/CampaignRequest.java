package io.pipefarm.coordinator.campaign;

import io.pipefarm.proto.farm.ProfileSpec;
import java.util.List;

/**
 * A request to profile segments of some models on some device kinds.
 *
 * @param models model references: a zoo name ({@code mobilenet_v2}), {@code fc:64,2048,4}, or
 *     {@code nasbench:{"matrix":...,"ops":...}}
 * @param cuts which segments of each model to profile
 */
public record CampaignRequest(
        String name,
        List<String> models,
        Cuts cuts,
        List<String> kinds,
        ProfileSpec spec,
        boolean reprofile,
        int maxAttempts) {

    /** How segments are chosen from a model's order. */
    public sealed interface Cuts {
        /** Every contiguous segment [i, j) of the model: O(n^2) segments. */
        record All() implements Cuts {}

        /** The segmentation at these cuts: [0, c1), [c1, c2), ..., [ck, n). */
        record Given(int[] cuts) implements Cuts {
            public Given {
                cuts = cuts.clone();
            }

            @Override
            public int[] cuts() {
                return cuts.clone();
            }
        }

        /** Exactly these segments [i, j) (e.g. the ones a partition search wants measured). */
        record Ranges(int[][] ranges) implements Cuts {
            public Ranges {
                int[][] copy = new int[ranges.length][];
                for (int k = 0; k < ranges.length; k++) copy[k] = ranges[k].clone();
                ranges = copy;
            }
        }

        /** {@code count} random segmentations into {@code stages} stages each, seeded. */
        record Random(int count, int stages, long seed) implements Cuts {}
    }
}
