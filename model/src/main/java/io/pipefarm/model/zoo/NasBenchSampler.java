package io.pipefarm.model.zoo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded sampling of distinct valid NASBench-101 cells. Each draw is a 7-vertex spec with every
 * upper-triangular edge present with probability 1/2 and each interior op uniform over the three
 * inner ops (as the NASBench-101 random-search baseline draws them); invalid draws (input not
 * reaching the output, more than 9 edges after pruning) are discarded, and draws isomorphic to an
 * earlier one ({@link CellSpec#hash()}) are skipped. The returned cells are pruned.
 */
public final class NasBenchSampler {
    private NasBenchSampler() {}

    /** Number of unique valid cells in NASBench-101. */
    public static final int UNIQUE_CELLS = 423_624;

    /** {@code count} distinct (non-isomorphic) valid pruned cells; the same seed gives the same list. */
    public static List<CellSpec> sample(int count, long seed) {
        if (count < 0) throw new IllegalArgumentException("count must be >= 0, got " + count);
        if (count > UNIQUE_CELLS)
            throw new IllegalArgumentException("only " + UNIQUE_CELLS + " unique cells exist; asked for " + count);
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, CellSpec> seen = new LinkedHashMap<>();
        int v = CellSpec.MAX_VERTICES;
        long attempts = 0;
        long maxAttempts = 1_000L * count + 1_000_000L;
        while (seen.size() < count) {
            if (++attempts > maxAttempts) {
                throw new IllegalStateException("gave up after " + maxAttempts + " draws with " + seen.size() + " of "
                        + count + " unique cells");
            }
            int[][] m = new int[v][v];
            for (int i = 0; i < v; i++) for (int j = i + 1; j < v; j++) m[i][j] = rnd.nextInt(2);
            List<String> ops = new ArrayList<>(v);
            ops.add(CellSpec.INPUT);
            for (int i = 1; i < v - 1; i++) ops.add(CellSpec.INNER_OPS.get(rnd.nextInt(CellSpec.INNER_OPS.size())));
            ops.add(CellSpec.OUTPUT);
            CellSpec spec;
            try {
                spec = CellSpec.of(m, ops).pruned();
            } catch (IllegalArgumentException invalid) {
                continue;
            }
            seen.putIfAbsent(spec.hash(), spec);
        }
        return List.copyOf(seen.values());
    }
}
