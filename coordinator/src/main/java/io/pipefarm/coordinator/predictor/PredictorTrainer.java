package io.pipefarm.coordinator.predictor;

import io.pipefarm.model.features.SegmentFeatures;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Trains the predictor families for one device kind from samples: splits by architecture (whole
 * models held out for testing; another slice of the training architectures for early stopping),
 * trains each family, measures it on the held-out architectures and picks the best. Plain Java;
 * {@link #trainAsync} runs on this trainer's own single thread, never on an actor's.
 */
public final class PredictorTrainer implements AutoCloseable {

    /** Options; {@link #defaults()} is what the coordinator uses. */
    public record Options(
            double heldOutFraction,
            double validationFraction,
            long seed,
            int minProfiles,
            int minArchitectures,
            Set<String> families,
            XgbPredictor.Params xgb,
            TransformerPredictor.Params transformer) {
        public static Options defaults() {
            return new Options(
                    0.2,
                    0.15,
                    42,
                    200,
                    5,
                    new LinkedHashSet<>(List.of(XgbPredictor.FAMILY, TransformerPredictor.FAMILY)),
                    XgbPredictor.Params.defaults(),
                    TransformerPredictor.Params.defaults());
        }
        /**
         * A small fast preset for a predictor trained on the spot (standalone partition search, benches): XGBoost only,
         * a few hundred larger boosting steps, and a lower data floor, so that a few thousand simulator-labelled segments
         * train in seconds rather than minutes.
         */
        public static Options quick() {
            return new Options(
                    0.2,
                    0.15,
                    42,
                    50,
                    3,
                    new LinkedHashSet<>(List.of(XgbPredictor.FAMILY)),
                    new XgbPredictor.Params(400, 30, 0.3, 6, 2, 42),
                    TransformerPredictor.Params.defaults());
        }

        public Options families(Collection<String> f) {
            return new Options(
                    heldOutFraction,
                    validationFraction,
                    seed,
                    minProfiles,
                    minArchitectures,
                    new LinkedHashSet<>(f),
                    xgb,
                    transformer);
        }

        public Options minProfiles(int n) {
            return new Options(
                    heldOutFraction, validationFraction, seed, n, minArchitectures, families, xgb, transformer);
        }

        public Options transformer(TransformerPredictor.Params p) {
            return new Options(
                    heldOutFraction, validationFraction, seed, minProfiles, minArchitectures, families, xgb, p);
        }
    }

    /** One trained family and how it did on the held-out architectures. */
    public record FamilyResult(
            String family,
            LatencyPredictor predictor,
            Metrics heldOut,
            double trainSeconds,
            double[] predicted,
            String error) {
        public boolean ok() {
            return predictor != null;
        }
    }

    /** The outcome of one training run. */
    public record Result(
            String kind,
            List<Sample> heldOut,
            List<FamilyResult> families,
            FamilyResult best,
            Map<String, Object> data) {
        public double[] measured() {
            return latencies(heldOut);
        }
    }

    private final Options options;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pipefarm-predictor-trainer");
        t.setDaemon(true);
        return t;
    });

    public PredictorTrainer(Options options) {
        this.options = options;
    }

    public Options options() {
        return options;
    }

    /** {@link #train} on the trainer thread. */
    public CompletableFuture<Result> trainAsync(String kind, List<Sample> samples, Set<String> heldOutArchitectures) {
        return CompletableFuture.supplyAsync(() -> train(kind, samples, heldOutArchitectures), executor);
    }

    /**
     * Trains every configured family on {@code samples} of {@code kind}. {@code heldOutArchitectures}
     * fixes the test architectures (null: a seeded random {@code heldOutFraction} of them).
     */
    public Result train(String kind, List<Sample> samples, Set<String> heldOutArchitectures) {
        Set<String> archs = new TreeSet<>();
        for (Sample s : samples) archs.add(s.architecture());
        if (samples.size() < options.minProfiles() || archs.size() < options.minArchitectures()) {
            throw new PredictorException(
                    PredictorException.Kind.TOO_LITTLE_DATA,
                    "too little data to train a predictor for '" + kind
                            + "': " + samples.size() + " profiles of " + archs.size() + " architectures; need at least "
                            + options.minProfiles() + " profiles of kind " + kind + " from at least "
                            + options.minArchitectures() + " architectures");
        }
        Set<String> test = heldOutArchitectures != null
                ? new TreeSet<>(heldOutArchitectures)
                : pick(archs, options.heldOutFraction(), options.seed());
        test.retainAll(archs);
        Set<String> rest = new TreeSet<>(archs);
        rest.removeAll(test);
        if (test.isEmpty() || rest.size() < 2) {
            throw new PredictorException(
                    PredictorException.Kind.TOO_LITTLE_DATA,
                    "need held-out and training architectures of kind " + kind + ": " + test.size() + " held out, "
                            + rest.size() + " to train on");
        }
        Set<String> val = pick(rest, options.validationFraction(), options.seed() + 1);
        List<Sample> train = new ArrayList<>(), valid = new ArrayList<>(), held = new ArrayList<>();
        for (Sample s : samples) {
            if (test.contains(s.architecture())) held.add(s);
            else if (val.contains(s.architecture())) valid.add(s);
            else train.add(s);
        }
        double[] y = latencies(held);
        List<FamilyResult> results = new ArrayList<>();
        FamilyResult best = null;
        for (String f : options.families()) {
            long t0 = System.nanoTime();
            try {
                LatencyPredictor p = switch (f) {
                    case XgbPredictor.FAMILY -> XgbPredictor.train(kind, train, valid, options.xgb());
                    case TransformerPredictor.FAMILY ->
                        TransformerPredictor.train(kind, train, valid, options.transformer());
                    default -> throw new IllegalArgumentException("unknown model family " + f);
                };
                double secs = (System.nanoTime() - t0) / 1e9;
                double[] pred = p.predictNanos(features(held));
                FamilyResult r = new FamilyResult(f, p, Metrics.of(pred, y), secs, pred, null);
                results.add(r);
                if (best == null || r.heldOut().betterThan(best.heldOut())) best = r;
            } catch (RuntimeException | LinkageError e) {
                results.add(new FamilyResult(f, null, null, (System.nanoTime() - t0) / 1e9, null, String.valueOf(e)));
            }
        }
        if (best == null) {
            throw new PredictorException(
                    PredictorException.Kind.FAILED, "no model family trained for " + kind + ": " + results);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("profiles", samples.size());
        data.put("architectures", archs.size());
        data.put("trainSegments", train.size());
        data.put("validationSegments", valid.size());
        data.put("heldOutSegments", held.size());
        data.put("heldOutArchitectures", new ArrayList<>(test));
        return new Result(kind, held, results, best, data);
    }

    /** The samples' features, in order. */
    public static List<SegmentFeatures> features(List<Sample> s) {
        List<SegmentFeatures> f = new ArrayList<>(s.size());
        for (Sample x : s) f.add(x.features());
        return f;
    }

    /** The samples' measured latencies, in order. */
    public static double[] latencies(List<Sample> s) {
        double[] y = new double[s.size()];
        for (int i = 0; i < y.length; i++) y[i] = s.get(i).latencyNs();
        return y;
    }

    /** A seeded random subset of about {@code fraction} of {@code all} (at least one when all has two or more). */
    static Set<String> pick(Set<String> all, double fraction, long seed) {
        List<String> l = new ArrayList<>(all);
        Collections.shuffle(l, new Random(seed));
        int k = (int) Math.round(l.size() * fraction);
        if (k == 0 && l.size() >= 2 && fraction > 0) k = 1;
        return new TreeSet<>(l.subList(0, k));
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
