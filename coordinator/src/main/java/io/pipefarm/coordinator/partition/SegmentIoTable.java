package io.pipefarm.coordinator.partition;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import java.util.Arrays;

/**
 * Input plus output bytes of every segment {@code [i, j)} of a graph as a standalone model (as
 * {@link Graph#segmentIo} defines them), in {@code O(n (n + uses))}: one sweep per start.
 */
final class SegmentIoTable {
    private SegmentIoTable() {}

    /** {@code io[i][j]} for {@code 0 <= i < j <= n}. */
    static long[][] of(Graph g) {
        int n = g.size();
        int nt = g.tensors().size();
        long[] bytes = new long[nt];
        boolean[] constant = new boolean[nt];
        for (int t = 0; t < nt; t++) {
            bytes[t] = g.tensor(t).byteSize();
            constant[t] = g.tensor(t).isConstant();
        }
        int[][] ins = new int[n][];
        int[][] outs = new int[n][];
        for (int k = 0; k < n; k++) {
            Op op = g.op(k);
            ins[k] = Arrays.stream(op.inputs())
                    .filter(t -> t >= 0 && !constant[t])
                    .toArray();
            outs[k] = op.outputs();
        }
        long[][] io = new long[n + 1][n + 1];
        int[] seen = new int[nt];
        long[] expire = new long[n + 1];
        for (int i = 0; i < n; i++) {
            int stamp = i + 1;
            long in = 0, produced = 0, expired = 0;
            Arrays.fill(expire, i, n + 1, 0L);
            for (int k = i; k < n; k++) {
                for (int t : ins[k]) {
                    if (g.producer(t) < i && seen[t] != stamp) {
                        seen[t] = stamp;
                        in += bytes[t];
                    }
                }
                for (int t : outs[k]) {
                    int lu = g.lastUse(t);
                    if (lu > k) {
                        produced += bytes[t];
                        expire[lu] += bytes[t];
                    }
                }
                expired += expire[k];
                io[i][k + 1] = in + produced - expired;
            }
        }
        return io;
    }
}
