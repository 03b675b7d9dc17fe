package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.Metrics;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.ScatterSvg;
import io.pipefarm.coordinator.store.PredictorStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How well a stored version predicts the current data of its kind, as figures and as a predicted-vs-measured plot;
 * on its held-out architectures as well as on all data, since only the held-out ones say how it does on new models.
 */
final class PredictorEvaluation {
    private final PredictorStore predictors;
    private final ProfileDataset dataset;
    private final ServingPredictors serving;

    PredictorEvaluation(PredictorStore predictors, ProfileDataset dataset, ServingPredictors serving) {
        this.predictors = predictors;
        this.dataset = dataset;
        this.serving = serving;
    }

    /**
     * Metrics of stored version {@code id} on the current data of its kind: on all of it and on
     * its held-out architectures, each overall and per model family of architectures.
     */
    PredictorService.Evaluation evaluate(long id) {
        PredictorStore.Version v = version(id);
        LatencyPredictor p = serving.load(id);
        List<Sample> all = dataset.samples(v.kind());
        return new PredictorService.Evaluation(v, section(p, all), section(p, heldOutOf(v, all)));
    }

    /**
     * A predicted-vs-measured scatter plot (SVG) of version {@code id} on the current data of its
     * held-out architectures (all data when it has none left).
     */
    String plotSvg(long id) {
        PredictorStore.Version v = version(id);
        LatencyPredictor p = serving.load(id);
        List<Sample> all = dataset.samples(v.kind());
        List<Sample> held = heldOutOf(v, all);
        List<Sample> use = held.isEmpty() ? all : held;
        double[] pred = use.isEmpty() ? new double[0] : p.predictNanos(PredictorTrainer.features(use));
        double[] y = PredictorTrainer.latencies(use);
        String title = v.kind() + " " + v.family() + " v" + v.version() + " ("
                + (held.isEmpty() ? "all data" : "held-out architectures") + "): " + Metrics.of(pred, y);
        return ScatterSvg.render(title, y, pred);
    }

    /** The architectures of {@code samples} in first-seen order. */
    static Set<String> architectures(List<Sample> samples) {
        Set<String> out = new LinkedHashSet<>();
        for (Sample x : samples) out.add(x.architecture());
        return out;
    }

    /** Metrics of {@code predicted} per model family of the samples' architectures. */
    static Map<String, Metrics> perFamily(List<Sample> samples, double[] predicted) {
        Map<String, List<Integer>> idx = new TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            idx.computeIfAbsent(ProfileDataset.family(samples.get(i).architecture()), k -> new ArrayList<>())
                    .add(i);
        }
        Map<String, Metrics> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Integer>> e : idx.entrySet()) {
            double[] p = new double[e.getValue().size()], y = new double[p.length];
            for (int k = 0; k < p.length; k++) {
                p[k] = predicted[e.getValue().get(k)];
                y[k] = samples.get(e.getValue().get(k)).latencyNs();
            }
            out.put(e.getKey(), Metrics.of(p, y));
        }
        return out;
    }

    private static PredictorService.Section section(LatencyPredictor p, List<Sample> s) {
        double[] pred = s.isEmpty() ? new double[0] : p.predictNanos(PredictorTrainer.features(s));
        double[] y = PredictorTrainer.latencies(s);
        return new PredictorService.Section(architectures(s).size(), Metrics.of(pred, y), perFamily(s, pred));
    }

    private PredictorStore.Version version(long id) {
        return predictors
                .get(id)
                .orElseThrow(() ->
                        new PredictorException(PredictorException.Kind.NO_PREDICTOR, "no predictor with id " + id));
    }

    /** The samples of {@code v}'s held-out architectures. */
    private static List<Sample> heldOutOf(PredictorStore.Version v, List<Sample> all) {
        Set<String> heldSet = new TreeSet<>(v.heldOut());
        List<Sample> held = new ArrayList<>();
        for (Sample s : all) if (heldSet.contains(s.architecture())) held.add(s);
        return held;
    }
}
