package io.pipefarm.coordinator.predictor;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.transformer.TransformerEncoderBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.pipefarm.model.features.SegmentAggregates;
import io.pipefarm.model.features.SegmentFeatures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Transformer encoder over the segment's op tokens (DJL on PyTorch, CPU): a linear embedding of the
 * normalised tokens to {@code dModel}, {@code layers} encoder blocks with {@code heads} heads, sum
 * pooling over the ops (latency adds up along a segment), and an MLP regression head on log latency.
 * The head predicts {@code log(latency) - log(base)} where base is the same additive
 * {@link LinearBase} the tree model uses (fitted on the training segments); this offset makes the
 * network learn corrections instead of the scale. Segments are zero-padded (in normalised token space)
 * to a fixed bucket length {@link #paddedLength} of a few geometric sizes, so that training batches are
 * full; the padding of a segment depends only on its length (the same in training and prediction) and
 * the pooling sums only the real ops (the pad tokens are visible to attention, as fixed "empty" tokens).
 * Artifacts written before padding ({@code padded} absent from the header) are evaluated unpadded, as
 * they were trained. Training and prediction run libtorch with one intra-op thread; prediction shares
 * chunks of a batch among {@code threads} Java threads instead (see {@link #predictNanos(List, int, int)}).
 * Deterministic for a seed. Nothing is downloaded: {@code ai.djl.offline=true} and the libtorch of the
 * {@code pytorch-native-cpu} jar.
 */
public final class TransformerPredictor implements LatencyPredictor {
    public static final String FAMILY = "transformer";
    static final int DIM = SegmentFeatures.TOKEN_NAMES.size();
    /** ln(1000): the largest factor by which a prediction may differ from the linear base. */
    static final double MAX_LOG_CORRECTION = Math.log(1000);
    /** Tokens per forward pass in prediction: a chunk's activations stay in the core's cache. */
    static final int CHUNK_TOKENS = 2048;
    /** Threads that predict chunks beside the calling one (daemons, created on demand, idle ones expire). */
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pipefarm-transformer-predict");
        t.setDaemon(true);
        return t;
    });

    /**
     * Hyper-parameters; {@code maxTrainSeconds} bounds training wall time (best epoch so far is kept);
     * {@code threads}: Java threads sharing a prediction batch. {@code dModel} 32 (was 64): a quarter of
     * the per-token multiply-adds, predicting about 2.5x faster, with held-out accuracy as good (one
     * layer instead of two was not: sim-edgetpu-pci acc10 75%).
     */
    public record Params(
            int dModel,
            int layers,
            int heads,
            int epochs,
            int batch,
            double lr,
            int patience,
            long seed,
            int maxTrainSeconds,
            int threads) {
        /** Full padded batches make an epoch short, so more epochs and patience fit in the same time cap. */
        public static Params defaults() {
            return new Params(32, 2, 4, 200, 64, 2e-3, 8, 42, 240, 2);
        }
    }

    private final String kind;
    private final long version;
    private final Params params;
    private final double[] baseWeights;
    private final float[] mean;
    private final float[] std;
    private final NDManager manager;
    private final SequentialBlock block;
    private final byte[] paramBytes;
    private final boolean padded;

    private TransformerPredictor(
            String kind,
            long version,
            Params params,
            double[] baseWeights,
            float[] mean,
            float[] std,
            NDManager manager,
            SequentialBlock block,
            byte[] paramBytes,
            boolean padded) {
        this.kind = kind;
        this.version = version;
        this.params = params;
        this.baseWeights = baseWeights;
        this.mean = mean;
        this.std = std;
        this.manager = manager;
        this.block = block;
        this.paramBytes = paramBytes;
        this.padded = padded;
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

    static synchronized void configureEngine(int threads) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.default_engine", "PyTorch");
    }

    static SequentialBlock build(Params p) {
        SequentialBlock b = new SequentialBlock();
        b.add(Linear.builder().setUnits(p.dModel()).build());
        for (int l = 0; l < p.layers(); l++) {
            b.add(new TransformerEncoderBlock(p.dModel(), p.heads(), 2 * p.dModel(), 0f, Activation::gelu));
        }
        b.add(new LambdaBlock(
                x -> new NDList(x.singletonOrThrow().sum(new int[] {1}).div(16f))));
        b.add(Linear.builder().setUnits(64).build());
        b.add(Activation.reluBlock());
        b.add(Linear.builder().setUnits(1).build());
        return b;
    }

    /**
     * The padded length of a segment of {@code len} ops: {@code len} up to 6, then geometric buckets
     * (ratio about 1.25: 8, 10, 13, 17, 22, 28, ...), so at most about a fifth of a bucket is padding.
     */
    static int paddedLength(int len) {
        if (len <= 6) return Math.max(1, len);
        int b = 6;
        while (b < len) b = Math.max(b + 1, (int) Math.ceil(b * 1.25));
        return b;
    }

    /**
     * The block's forward pass, child by child, with the sum pooling (the {@link LambdaBlock}) taken
     * over the real ops only: {@code mask} is {@code (batch, len, 1)}, 1 for an op and 0 for padding;
     * null means no padding (then this equals {@code block.forward}).
     */
    static NDArray forward(SequentialBlock block, ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        NDList cur = new NDList(x);
        boolean pooled = false;
        for (Block child : block.getChildren().values()) {
            if (!pooled && child instanceof LambdaBlock) { // the pooling (the ReLU of the head is a LambdaBlock too)
                pooled = true;
                NDArray h = cur.singletonOrThrow();
                if (mask != null) h = h.mul(mask);
                cur = new NDList(h.sum(new int[] {1}).div(16f));
            } else {
                cur = child.forward(ps, cur, training);
            }
        }
        return cur.singletonOrThrow();
    }

    /** Token tensor (and pooling mask, or null when nothing is padded) of segments padded to {@code len}. */
    static NDList input(NDManager m, List<SegmentFeatures> fs, int len, float[] mean, float[] std) {
        NDArray x = tokens(m, fs, len, mean, std);
        boolean any = false;
        for (SegmentFeatures f : fs) any |= f.length() != len;
        if (!any) return new NDList(x);
        float[] mk = new float[fs.size() * len];
        for (int b = 0; b < fs.size(); b++)
            Arrays.fill(mk, b * len, b * len + fs.get(b).length(), 1f);
        return new NDList(x, m.create(mk, new Shape(fs.size(), len, 1)));
    }

    private static NDArray run(SequentialBlock block, ParameterStore ps, NDList in, boolean training) {
        return forward(block, ps, in.get(0), in.size() > 1 ? in.get(1) : null, training);
    }

    /**
     * Batched prediction: the segments are grouped by padded length (their bucket: the result of a
     * segment does not depend on its companions), each group is cut into even chunks of at most
     * {@link #CHUNK_TOKENS} tokens, and the chunks, longest first, are shared by up to
     * {@code params.threads} Java threads (the caller and pool threads).
     */
    @Override
    public synchronized double[] predictNanos(List<SegmentFeatures> batch) {
        return predictNanos(
                batch,
                CHUNK_TOKENS,
                Math.min(params.threads(), Runtime.getRuntime().availableProcessors()));
    }

    /**
     * {@link #predictNanos(List)} with {@code chunkTokens} per forward pass on {@code threads} Java
     * threads. Each runs libtorch without autograd and with one intra-op thread (both thread-local
     * settings, restored afterwards): one OpenMP team per op makes every op wait at a barrier for its
     * slowest thread, which on shared cores costs far more than it gains (measured 10x slower).
     */
    double[] predictNanos(List<SegmentFeatures> batch, int chunkTokens, int threads) {
        int n = batch.size();
        double[] out = new double[n];
        if (n == 0) return out;
        Map<Integer, List<Integer>> byLen = new TreeMap<>(Comparator.reverseOrder());
        for (int i = 0; i < n; i++) {
            int len = batch.get(i).length();
            byLen.computeIfAbsent(padded ? paddedLength(len) : len, k -> new ArrayList<>())
                    .add(i);
        }
        List<int[]> chunks = new ArrayList<>(); // {padded length, from, to} in its group's index list
        List<List<Integer>> groups = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> e : byLen.entrySet()) {
            List<Integer> idx = e.getValue();
            int per = Math.max(1, Math.min(512, chunkTokens / e.getKey()));
            int parts = (idx.size() + per - 1) / per;
            per = (idx.size() + parts - 1) / parts;
            for (int from = 0; from < idx.size(); from += per) {
                chunks.add(new int[] {e.getKey(), from, Math.min(idx.size(), from + per)});
                groups.add(idx);
            }
        }
        float[] r = new float[n];
        AtomicInteger next = new AtomicInteger();
        Runnable work = () -> {
            boolean grad = JniUtils.isGradMode();
            int intra = JniUtils.getNumThreads();
            JniUtils.setGradMode(false);
            if (intra != 1) JniUtils.setNumThreads(1);
            try (NDManager m = manager.newSubManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                for (int c; (c = next.getAndIncrement()) < chunks.size(); ) {
                    int[] ch = chunks.get(c);
                    List<Integer> part = groups.get(c).subList(ch[1], ch[2]);
                    List<SegmentFeatures> fs = new ArrayList<>(part.size());
                    for (int i : part) fs.add(batch.get(i));
                    try (NDManager cm = m.newSubManager()) {
                        float[] y = run(block, ps, input(cm, fs, ch[0], mean, std), false)
                                .toFloatArray();
                        for (int k = 0; k < part.size(); k++) r[part.get(k)] = y[k];
                    }
                }
            } catch (RuntimeException e) {
                next.set(chunks.size());
                throw e;
            } finally {
                JniUtils.setGradMode(grad);
                if (intra != 1) JniUtils.setNumThreads(intra);
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        for (int h = 1; h < Math.min(threads, chunks.size()); h++) helpers.add(WORKERS.submit(work));
        RuntimeException failed = null;
        try {
            work.run();
        } catch (RuntimeException e) {
            failed = e;
        }
        for (Future<?> f : helpers) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failed == null)
                    failed = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failed == null) failed = new IllegalStateException("interrupted while predicting", e);
            }
        }
        if (failed != null) throw failed;
        double[] agg = new double[SegmentAggregates.featureCount()];
        // the network corrects the additive base; a correction beyond 1000x either way is an untrained or diverged
        // network, not a latency: clamp it so that such a model scores badly instead of overflowing
        for (int i = 0; i < n; i++) {
            double corr = Math.max(-MAX_LOG_CORRECTION, Math.min(MAX_LOG_CORRECTION, r[i]));
            out[i] = LinearBase.predict(baseWeights, batch.get(i).aggregates(agg)) * Math.exp(corr);
        }
        return out;
    }

    /** Normalised tokens {@code (batch, len, DIM)}; a segment shorter than {@code len} is padded with zeros. */
    static NDArray tokens(NDManager m, List<SegmentFeatures> fs, int len, float[] mean, float[] std) {
        float[] buf = new float[fs.size() * len * DIM];
        for (int b = 0; b < fs.size(); b++) {
            int at = b * len * DIM;
            for (float[] t : fs.get(b).tokens()) {
                for (int d = 0; d < DIM; d++) buf[at++] = (t[d] - mean[d]) / std[d];
            }
        }
        return m.create(buf, new Shape(fs.size(), len, DIM));
    }

    Map<String, Object> headerParams() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("d_model", params.dModel());
        h.put("layers", params.layers());
        h.put("heads", params.heads());
        h.put("base_weights", baseWeights);
        h.put("token_mean", mean);
        h.put("token_std", std);
        h.put("padded", padded);
        return h;
    }

    byte[] parameterBytes() {
        return paramBytes.clone();
    }

    TransformerPredictor withVersion(long v) {
        return new TransformerPredictor(kind, v, params, baseWeights, mean, std, manager, block, paramBytes, padded);
    }

    static TransformerPredictor load(String kind, long version, Map<String, Object> h, byte[] bytes) {
        Params d = Params.defaults();
        Params p = new Params(
                ((Number) h.get("d_model")).intValue(),
                ((Number) h.get("layers")).intValue(),
                ((Number) h.get("heads")).intValue(),
                d.epochs(),
                d.batch(),
                d.lr(),
                d.patience(),
                d.seed(),
                d.maxTrainSeconds(),
                d.threads());
        double[] w = PredictorArtifact.doubles(h.get("base_weights"));
        float[] mean = floats(PredictorArtifact.doubles(h.get("token_mean")));
        float[] std = floats(PredictorArtifact.doubles(h.get("token_std")));
        if (mean.length != DIM || std.length != DIM || w.length != LinearBase.COLUMNS.length + 1)
            throw PredictorArtifact.corrupt("transformer normalisation has the wrong size");
        configureEngine(d.threads());
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        SequentialBlock b = build(p);
        b.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        b.initialize(manager, DataType.FLOAT32, new Shape(1, 1, DIM));
        try {
            b.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (IOException | MalformedModelException | RuntimeException e) {
            manager.close();
            throw new PredictorException(
                    PredictorException.Kind.CORRUPT_ARTIFACT,
                    "corrupt predictor artifact: transformer parameters do not load: " + e.getMessage(),
                    e);
        }
        boolean padded = Boolean.TRUE.equals(h.get("padded"));
        return new TransformerPredictor(kind, version, p, w, mean, std, manager, b, bytes, padded);
    }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    /**
     * Trains on the calling thread with one libtorch intra-op thread (a thread-local setting, restored
     * afterwards): the ops of a batch are small, and an OpenMP team of two made training 6-10x slower in
     * wall time whenever the cores were shared (measured), for little gain on idle cores.
     */
    static TransformerPredictor train(String kind, List<Sample> train, List<Sample> valid, Params p) {
        configureEngine(p.threads());
        Engine.getEngine("PyTorch").setRandomSeed((int) p.seed());
        int intra = JniUtils.getNumThreads();
        if (intra != 1) JniUtils.setNumThreads(1);
        try {
            return trainOneThread(kind, train, valid, p);
        } finally {
            if (intra != 1) JniUtils.setNumThreads(intra);
        }
    }

    private static TransformerPredictor trainOneThread(String kind, List<Sample> train, List<Sample> valid, Params p) {
        List<double[]> aggs = new ArrayList<>();
        double[] y = new double[train.size()];
        for (int i = 0; i < y.length; i++) {
            aggs.add(train.get(i).features().aggregates());
            y[i] = train.get(i).latencyNs();
        }
        double[] w = LinearBase.fit(aggs, y);
        // Token normalisation over the training segments.
        double[] s1 = new double[DIM], s2 = new double[DIM];
        long count = 0;
        for (Sample s : train)
            for (float[] t : s.features().tokens()) {
                for (int d = 0; d < DIM; d++) {
                    s1[d] += t[d];
                    s2[d] += (double) t[d] * t[d];
                }
                count++;
            }
        float[] mean = new float[DIM], std = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            mean[d] = (float) (s1[d] / count);
            std[d] = (float) Math.max(1e-3, Math.sqrt(Math.max(0, s2[d] / count - mean[d] * (double) mean[d])));
        }
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        SequentialBlock b = build(p);
        b.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        b.initialize(manager, DataType.FLOAT32, new Shape(1, 1, DIM));
        Optimizer adam = Adam.builder()
                .optLearningRateTracker(Tracker.fixed((float) p.lr()))
                .build();
        List<List<Sample>> batches = batches(train, p.batch());
        List<List<Sample>> vbatches = batches(valid, 512);
        Random rnd = new Random(p.seed());
        long deadline = System.nanoTime() + p.maxTrainSeconds() * 1_000_000_000L;
        double bestVal = Double.MAX_VALUE;
        byte[] best = null;
        int bad = 0;
        ParameterStore ps = new ParameterStore(manager, false);
        ps.setParameterServer(new LocalParameterServer(adam), new Device[] {Device.cpu()});
        for (int epoch = 0; epoch < p.epochs() && System.nanoTime() < deadline; epoch++) {
            Collections.shuffle(batches, rnd);
            for (List<Sample> bt : batches) {
                if (System.nanoTime() > deadline) break;
                try (NDManager m = manager.newSubManager()) {
                    NDList in = input(
                            m, features(bt), paddedLength(bt.get(0).features().length()), mean, std);
                    NDArray target = m.create(residuals(bt, w), new Shape(bt.size(), 1));
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray pred = run(b, ps, in, true);
                        NDArray loss = pred.sub(target).square().mean();
                        gc.backward(loss);
                    }
                    ps.updateAllParameters();
                }
            }
            double val = validationLoss(b, manager, vbatches, w, mean, std);
            if (val < bestVal - 1e-6) {
                bestVal = val;
                best = save(b);
                bad = 0;
            } else if (++bad >= p.patience()) {
                break;
            }
        }
        if (best == null) best = save(b);
        try {
            b.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(best)));
        } catch (IOException | MalformedModelException e) {
            throw new PredictorException(
                    PredictorException.Kind.FAILED, "could not restore the best epoch: " + e.getMessage(), e);
        }
        return new TransformerPredictor(kind, 0, p, w, mean, std, manager, b, best, true);
    }

    private static double validationLoss(
            SequentialBlock b, NDManager manager, List<List<Sample>> vbatches, double[] w, float[] mean, float[] std) {
        double se = 0;
        long n = 0;
        try (NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            for (List<Sample> bt : vbatches) {
                float[] r = run(
                                b,
                                ps,
                                input(
                                        m,
                                        features(bt),
                                        paddedLength(bt.get(0).features().length()),
                                        mean,
                                        std),
                                false)
                        .toFloatArray();
                float[] t = residuals(bt, w);
                for (int i = 0; i < r.length; i++) {
                    se += (r[i] - t[i]) * (double) (r[i] - t[i]);
                    n++;
                }
            }
        }
        return n == 0 ? 0 : se / n;
    }

    private static byte[] save(SequentialBlock b) {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            b.saveParameters(new DataOutputStream(bo));
            return bo.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] residuals(List<Sample> bt, double[] w) {
        float[] r = new float[bt.size()];
        double[] agg = new double[SegmentAggregates.featureCount()];
        for (int i = 0; i < r.length; i++) {
            Sample s = bt.get(i);
            r[i] = (float) (Math.log(s.latencyNs())
                    - Math.log(LinearBase.predict(w, s.features().aggregates(agg))));
        }
        return r;
    }

    private static List<SegmentFeatures> features(List<Sample> s) {
        return PredictorTrainer.features(s);
    }

    /** Batches of equal {@link #paddedLength} (at most {@code size} each), in a fixed order. */
    static List<List<Sample>> batches(List<Sample> samples, int size) {
        Map<Integer, List<Sample>> byLen = new TreeMap<>();
        for (Sample s : samples)
            byLen.computeIfAbsent(paddedLength(s.features().length()), k -> new ArrayList<>())
                    .add(s);
        List<List<Sample>> out = new ArrayList<>();
        for (List<Sample> l : byLen.values())
            for (int i = 0; i < l.size(); i += size)
                out.add(new ArrayList<>(l.subList(i, Math.min(l.size(), i + size))));
        return out;
    }
}
