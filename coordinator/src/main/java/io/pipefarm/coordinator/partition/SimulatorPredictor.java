package io.pipefarm.coordinator.partition;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.Metrics;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The farm's predictor trained on the spot on simulator labels, for a partition search without a farm: random
 * segments of training networks (a seeded NASBench-101 sample, fully connected networks, a few zoo models; never the
 * model being partitioned), each labelled by {@link SimulatedCosts} (the same measurement the search then uses),
 * trained by {@link PredictorTrainer} with its {@link PredictorTrainer.Options#quick() quick} preset.
 */
public final class SimulatorPredictor {
    /** Seed of the NASBench-101 training sample (disjoint from the benches' evaluated samples by their own seeds). */
    public static final long TRAIN_SEED = 0x7EA1L;

    static final int NASBENCH_NETWORKS = 10;
    static final int[] FC_WIDTHS = {1000, 1800, 2300, 3000};
    static final List<String> ZOO = List.of("mobilenet_v1", "mobilenet_v2", "squeezenet", "inception_v1");
    static final int SEGMENTS_PER_NETWORK = 150;
    /** Simulated invokes per segment label, as {@code partition run} measures. */
    static final int INVOKES = 10;

    private SimulatorPredictor() {}

    /** A trained predictor, what it was trained on, and how it did on its held-out training networks. */
    public record Trained(LatencyPredictor predictor, int trainingSegments, int networks, Metrics heldOut) {
        /** A one-line description for reports. */
        public String describe() {
            return predictor.family() + " (quick preset) on " + trainingSegments + " simulated segments of " + networks
                    + " training networks; held out: " + heldOut;
        }
    }

    /** Trains on the training networks other than one named {@code exclude}. */
    public static Trained train(EdgeTpuSimulator sim, String exclude) {
        List<Graph> nets = new ArrayList<>();
        for (CellSpec s : NasBenchSampler.sample(NASBENCH_NETWORKS, TRAIN_SEED)) nets.add(ModelZoo.nasbench(s));
        for (int w : FC_WIDTHS) nets.add(ModelZoo.fc(64, w, 4));
        for (String z : ZOO) if (!z.equals(exclude)) nets.add(ModelZoo.build(z));
        nets.removeIf(g -> g.name().equals(exclude));
        Random rnd = new Random(TRAIN_SEED);
        List<Sample> data = new ArrayList<>();
        Set<String> archs = new TreeSet<>();
        for (Graph g : nets) {
            String arch = "train-" + g.name();
            if (!archs.add(arch)) continue;
            data.addAll(samples(arch, g, new SimulatedCosts(g, sim, INVOKES), SEGMENTS_PER_NETWORK, rnd));
        }
        try (PredictorTrainer trainer = new PredictorTrainer(PredictorTrainer.Options.quick())) {
            PredictorTrainer.Result r = trainer.train(sim.deviceKind(), data, null);
            return new Trained(
                    r.best().predictor(),
                    data.size() - r.heldOut().size(),
                    archs.size(),
                    r.best().heldOut());
        }
    }

    /**
     * {@code count} distinct random segments of {@code g} (uniform over pairs {@code i < j}; all of them when fewer),
     * labelled by {@code measured}.
     */
    public static List<Sample> samples(String arch, Graph g, SegmentCostSource measured, int count, Random rnd) {
        int n = g.size();
        long total = (long) n * (n + 1) / 2;
        ModelFeatures mf = ModelFeatures.of(g);
        Set<Long> chosen = new TreeSet<>();
        if (total <= count) {
            for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) chosen.add((long) i << 32 | j);
        } else {
            while (chosen.size() < count) {
                int a = rnd.nextInt(n + 1), b = rnd.nextInt(n + 1);
                if (a == b) continue;
                chosen.add((long) Math.min(a, b) << 32 | Math.max(a, b));
            }
        }
        List<Sample> out = new ArrayList<>(chosen.size());
        for (long c : chosen) {
            int i = (int) (c >>> 32), j = (int) c;
            out.add(new Sample(arch, g.name() + "[" + i + "," + j + ")", mf.segment(i, j), measured.latencyNs(i, j)));
        }
        return out;
    }
}
