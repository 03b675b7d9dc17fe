package io.pipefarm.coordinator.partition;

/**
 * Coral's naive split ({@code edgetpu_compiler --num_segments}, ParameterCountBasedPartitioner), as
 * {@code reference/coral-partitioner.md} describes it: ops in topological order; average =
 * {@code total parameter bytes / N + 1} (integer division); segments {@code 0..N-2} are filled greedily
 * while their running sum stays {@code <= average} (each takes at least one op), leaving at least one op
 * per later segment before the first output op; the last segment takes the rest.
 */
public final class ParameterCountPartitioner {
    private ParameterCountPartitioner() {}

    /** The cuts of the naive split into {@code k} segments. */
    public static int[] cuts(PartitionModel model, int k) {
        int n = model.size();
        int first = model.firstOutputOp();
        PartitionDp.check(n, k, first);
        if (k == 1) return new int[0];
        long average = model.totalParamBytes() / k + 1;
        int[] cuts = new int[k - 1];
        int start = 0;
        for (int s = 0; s < k - 1; s++) {
            int limit = first - (k - 2 - s); // highest end of segment s
            int end = start + 1;
            long sum = model.opParamBytes(start);
            while (end < limit && sum + model.opParamBytes(end) <= average) {
                sum += model.opParamBytes(end);
                end++;
            }
            cuts[s] = end;
            start = end;
        }
        return cuts;
    }
}
