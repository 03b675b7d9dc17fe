package io.pipefarm.coordinator.predictor;

import io.pipefarm.model.features.SegmentAggregates;
import io.pipefarm.model.features.SegmentFeatures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gradient-boosted trees (XGBoost4J) on the per-segment aggregates. The output is
 * {@code base(x) * exp(trees(x))}: {@link LinearBase} gives an additive baseline and the trees,
 * trained on {@code log(latency)} with {@code log(base)} as base margin, correct it multiplicatively.
 * Tree inputs are {@code log1p} of every aggregate, {@code log(base)} and the share of the base each
 * of its terms makes up (feature spec 2; the trees of a spec-1 artifact read another vector and are refused).
 */
public final class XgbPredictor implements LatencyPredictor {
    public static final String FAMILY = "xgboost";

    private final String kind;
    private final long version;
    private final double[] baseWeights;
    private final Booster booster;
    private final byte[] boosterBytes;
    /** Trees [0, best iteration + 1) when training stopped early; null: all trees. */
    private final int[] iterationRange;

    XgbPredictor(String kind, long version, double[] baseWeights, byte[] boosterBytes) {
        this.kind = kind;
        this.version = version;
        this.baseWeights = baseWeights.clone();
        this.boosterBytes = boosterBytes.clone();
        try {
            this.booster = XGBoost.loadModel(boosterBytes);
            this.booster.setParam("nthread", 1);
            String best = booster.getAttr("best_iteration");
            this.iterationRange = best == null ? null : new int[] {0, Integer.parseInt(best.trim()) + 1};
        } catch (XGBoostError | IOException | RuntimeException e) {
            throw new PredictorException(
                    PredictorException.Kind.CORRUPT_ARTIFACT,
                    "the XGBoost model in the artifact does not load: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public String deviceKind() {
        return kind;
    }

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public long version() {
        return version;
    }

    XgbPredictor withVersion(long v) {
        return new XgbPredictor(kind, v, baseWeights, boosterBytes);
    }

    double[] baseWeights() {
        return baseWeights.clone();
    }

    byte[] boosterBytes() {
        return boosterBytes.clone();
    }

    /** Tree inputs: log1p of every aggregate, log(base), and the share of the base each of its terms makes up. */
    static int columns() {
        return SegmentAggregates.featureCount() + 1 + LinearBase.COLUMNS.length + 1;
    }

    /** Writes the tree input of one segment at {@code row} of {@code into}; returns log(base). */
    static float encode(double[] agg, double[] w, float[] into, int row) {
        int c = columns();
        int at = row * c;
        // log(1 + x), not log1p: the same at float precision for these non-negative sizes and counts, and intrinsic
        for (int k = 0; k < agg.length; k++) into[at + k] = (float) Math.log(1.0 + Math.max(0, agg[k]));
        double base = LinearBase.predict(w, agg);
        float lb = (float) Math.log(base);
        int k = agg.length;
        into[at + k++] = lb;
        // The share of the baseline each of its terms makes up: lets the trees correct one op family's cost
        // (e.g. pooling on a CPU) without having to find it from raw totals.
        into[at + k++] = (float) (w[0] / base);
        for (int q = 0; q < LinearBase.COLUMNS.length; q++)
            into[at + k++] = (float) (w[q + 1] * agg[LinearBase.COLUMNS[q]] / base);
        return lb;
    }

    @Override
    public double[] predictNanos(List<SegmentFeatures> batch) {
        int n = batch.size();
        if (n == 0) return new double[0];
        int c = columns();
        float[] x = new float[n * c];
        float[] margin = new float[n];
        double[] agg = new double[SegmentAggregates.featureCount()];
        for (int i = 0; i < n; i++) margin[i] = encode(batch.get(i).aggregates(agg), baseWeights, x, i);
        float[][] p;
        try {
            p = booster.inplace_predict(x, n, c, Float.NaN, iterationRange, Booster.PredictionType.kMargin, margin);
        } catch (XGBoostError e) {
            throw new PredictorException(
                    PredictorException.Kind.FAILED, "XGBoost prediction failed: " + e.getMessage(), e);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = Math.exp(p[i][0]);
        return out;
    }

    /** Hyper-parameters of training. */
    public record Params(int maxRounds, int earlyStopping, double eta, int maxDepth, int threads, long seed) {
        /**
         * eta 0.15: a third of the trees of 0.05 (prediction cost is per tree; the predict search must stay within
         * ~20 ms on models of ~300 ops) for the same held-out accuracy within noise (real CPU 91.3 % vs 91.8 % acc10).
         */
        public static Params defaults() {
            return new Params(3000, 100, 0.15, 6, 2, 42);
        }
    }

    /**
     * Trains on {@code train}, early-stopping on {@code validation} (segments of other architectures).
     */
    static XgbPredictor train(String kind, List<Sample> train, List<Sample> validation, Params p) {
        quietTrainingLog();
        List<double[]> aggs = new ArrayList<>(train.size());
        double[] y = new double[train.size()];
        for (int i = 0; i < train.size(); i++) {
            aggs.add(train.get(i).features().aggregates());
            y[i] = train.get(i).latencyNs();
        }
        double[] w = LinearBase.fit(aggs, y);
        DMatrix dtrain = null, dval = null;
        try {
            dtrain = matrix(aggs, y, w);
            List<double[]> vaggs = new ArrayList<>(validation.size());
            double[] vy = new double[validation.size()];
            for (int i = 0; i < validation.size(); i++) {
                vaggs.add(validation.get(i).features().aggregates());
                vy[i] = validation.get(i).latencyNs();
            }
            dval = matrix(vaggs, vy, w);
            Map<String, Object> params = new HashMap<>();
            params.put("objective", "reg:squarederror");
            params.put("eta", p.eta());
            params.put("max_depth", p.maxDepth());
            params.put("subsample", 0.8);
            params.put("colsample_bytree", 0.8);
            params.put("min_child_weight", 2);
            params.put("lambda", 1.0);
            params.put("tree_method", "hist");
            params.put("nthread", p.threads());
            params.put("seed", p.seed());
            params.put("eval_metric", "rmse");
            params.put("verbosity", 0);
            params.put("verbose_eval", "false"); // no per-round evaluation lines on stdout
            Map<String, DMatrix> watches = new LinkedHashMap<>();
            watches.put("train", dtrain);
            watches.put("val", dval);
            float[][] history = new float[watches.size()][p.maxRounds()];
            Booster b = XGBoost.train(dtrain, params, p.maxRounds(), watches, history, null, null, p.earlyStopping());
            byte[] bytes = b.toByteArray("ubj");
            b.dispose();
            return new XgbPredictor(kind, 0, w, bytes);
        } catch (XGBoostError e) {
            throw new PredictorException(
                    PredictorException.Kind.FAILED, "XGBoost training failed: " + e.getMessage(), e);
        } finally {
            if (dtrain != null) dtrain.dispose();
            if (dval != null) dval.dispose();
        }
    }

    /** XGBoost4J logs every round at INFO through commons-logging; keep training quiet when logback is the backend. */
    private static void quietTrainingLog() {
        Logger l = LoggerFactory.getLogger("ml.dmlc.xgboost4j");
        if (l instanceof ch.qos.logback.classic.Logger lb && lb.getLevel() == null)
            lb.setLevel(ch.qos.logback.classic.Level.WARN);
    }

    private static DMatrix matrix(List<double[]> aggs, double[] y, double[] w) throws XGBoostError {
        int n = aggs.size(), c = columns();
        float[] x = new float[n * c];
        float[] margin = new float[n];
        float[] label = new float[n];
        for (int i = 0; i < n; i++) {
            margin[i] = encode(aggs.get(i), w, x, i);
            label[i] = (float) Math.log(y[i]);
        }
        DMatrix d = new DMatrix(x, n, c, Float.NaN);
        d.setLabel(label);
        d.setBaseMargin(margin);
        return d;
    }
}
