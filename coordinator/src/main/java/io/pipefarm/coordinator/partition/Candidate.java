package io.pipefarm.coordinator.partition;

import java.util.Arrays;
import java.util.Comparator;

/**
 * A contiguous partition into {@code cuts.length + 1} stages with its objective under some stage costs:
 * the bottleneck (largest stage cost) and the end-to-end latency (sum of stage costs).
 */
public record Candidate(int[] cuts, double bottleneckNs, double endToEndNs) {
    /** Bottleneck first, then end-to-end latency, then the cuts (for a total, deterministic order). */
    public static final Comparator<Candidate> ORDER = Comparator.comparingDouble(Candidate::bottleneckNs)
            .thenComparingDouble(Candidate::endToEndNs)
            .thenComparing(Candidate::cuts, Arrays::compare);

    public Candidate {
        cuts = cuts.clone();
    }

    @Override
    public int[] cuts() {
        return cuts.clone();
    }

    public int stages() {
        return cuts.length + 1;
    }

    /** The stage ranges {@code {start, end}} of these cuts in an {@code n}-op model. */
    public int[][] ranges(int n) {
        return ranges(cuts, n);
    }

    public static int[][] ranges(int[] cuts, int n) {
        int[][] r = new int[cuts.length + 1][];
        int prev = 0;
        for (int s = 0; s < cuts.length; s++) {
            r[s] = new int[] {prev, cuts[s]};
            prev = cuts[s];
        }
        r[cuts.length] = new int[] {prev, n};
        return r;
    }

    /** The candidate of {@code cuts} evaluated under {@code c}. */
    public static Candidate evaluate(int[] cuts, int n, StageCosts c) {
        double max = 0, sum = 0;
        for (int[] r : ranges(cuts, n)) {
            double v = c.cost(r[0], r[1]);
            max = Math.max(max, v);
            sum += v;
        }
        return new Candidate(cuts, max, sum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Candidate c
                && Arrays.equals(cuts, c.cuts)
                && bottleneckNs == c.bottleneckNs
                && endToEndNs == c.endToEndNs;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(cuts);
    }

    @Override
    public String toString() {
        return "Candidate" + Arrays.toString(cuts) + "[max " + bottleneckNs + ", sum " + endToEndNs + "]";
    }
}
