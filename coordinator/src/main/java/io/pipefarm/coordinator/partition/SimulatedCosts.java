package io.pipefarm.coordinator.partition;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Measured latencies of one model's segments on the simulated Edge TPU: the median of {@code samples}
 * noisy invokes of {@code Segmenter.subgraph(g, i, j)} (no .tflite bytes are written), each segment
 * simulated once and cached per (i, j), so every method and the report see the same measurement. The
 * simulated invoke includes the input/output transfer over the link ({@link #includesTransfer()}).
 * Not thread-safe.
 */
public final class SimulatedCosts implements SegmentCostSource {
    private final Graph graph;
    private final EdgeTpuSimulator sim;
    private final int samples;
    private final Map<Long, Double> cache = new HashMap<>();
    private long simulated;

    public SimulatedCosts(Graph graph, EdgeTpuSimulator sim, int samples) {
        if (samples < 1) throw new IllegalArgumentException("samples must be >= 1");
        this.graph = graph;
        this.sim = sim;
        this.samples = samples;
    }

    @Override
    public String deviceKind() {
        return sim.deviceKind();
    }

    @Override
    public boolean includesTransfer() {
        return true;
    }

    public Graph graph() {
        return graph;
    }

    /** Segments simulated so far (distinct). */
    public long simulated() {
        return simulated;
    }

    @Override
    public double latencyNs(int i, int j) {
        long key = ((long) i << 32) | j;
        Double v = cache.get(key);
        if (v != null) return v;
        Graph sub = Segmenter.subgraph(graph, i, j);
        String modelKey = graph.name() + "[" + i + "," + j + ")";
        long[] s = new long[samples];
        for (int r = 0; r < samples; r++) s[r] = sim.sampleRunNanos(sub, modelKey, r, null);
        Arrays.sort(s);
        double med = samples % 2 == 1 ? s[samples / 2] : (s[samples / 2 - 1] + s[samples / 2]) / 2.0;
        cache.put(key, med);
        simulated++;
        return med;
    }
}
