package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.Metrics;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.ScatterSvg;
import io.pipefarm.coordinator.predictor.XgbPredictor;
import com.typesafe.config.Config;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.model.graph.Graph;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's predictor service (DESIGN.md §4 step 5): trains predictors of a device kind
 * from the stored profiles, promotes a new version only when it beats the serving one on the same
 * held-out architectures, retrains automatically, and serves the promoted version of each kind.
 *
 * <p>All training runs on this service's own single thread (never on an actor's): requests
 * ({@link #submit}, {@link #trainNow}) and the periodic check queue up there one after another.
 * The check runs every {@code pipefarm.predictor.check-interval} (default 30 s) and retrains a
 * kind once {@code pipefarm.predictor.retrain-after} (default 500) profiles of it arrived since
 * its last training; its errors are logged, never thrown.
 *
 * <p>Config ({@code pipefarm.predictor.*}, all optional): {@code check-interval},
 * {@code retrain-after}, {@code families} (default {@code [xgboost]}), {@code min-profiles}
 * (default 200), {@code min-architectures} (default 5).
 */
public final class PredictorService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PredictorService.class);
    private static final int KEEP_JOBS = 200;

    /** How the service trains and when it retrains. */
    public record Settings(Duration checkInterval, int retrainAfter, PredictorTrainer.Options options) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(30), 500, PredictorTrainer.Options.defaults().families(List.of(XgbPredictor.FAMILY)));
        }

        /** Settings from {@code pipefarm.predictor.*} of {@code c}, defaults for what is missing. */
        public static Settings from(Config c) {
            Settings d = defaults();
            String p = "pipefarm.predictor.";
            Duration check = c.hasPath(p + "check-interval") ? c.getDuration(p + "check-interval") : d.checkInterval();
            int after = c.hasPath(p + "retrain-after") ? c.getInt(p + "retrain-after") : d.retrainAfter();
            PredictorTrainer.Options o = d.options();
            if (c.hasPath(p + "families")) o = o.families(c.getStringList(p + "families"));
            int minProfiles = c.hasPath(p + "min-profiles") ? c.getInt(p + "min-profiles") : o.minProfiles();
            int minArchs = c.hasPath(p + "min-architectures") ? c.getInt(p + "min-architectures") : o.minArchitectures();
            o = new PredictorTrainer.Options(o.heldOutFraction(), o.validationFraction(), o.seed(), minProfiles, minArchs,
                    o.families(), o.xgb(), o.transformer());
            return new Settings(check, after, o);
        }
    }

    /** What one training run did: the stored version, whether it now serves, and the comparison. */
    public record Outcome(PredictorStore.Version version, boolean promoted, Metrics metrics, Metrics servingMetrics,
                          Long previousServingId, String reason) {}

    /**
     * A training request: {@code queued}, {@code running}, {@code done} or {@code failed};
     * {@code errorKind} is a {@link PredictorException.Kind} when it failed.
     */
    public record Job(long id, String kind, String state, long createdMs, Long finishedMs, Outcome outcome,
                      PredictorException.Kind errorKind, String error) {}

    /** Metrics of a version over some architectures, overall and per model family of architectures. */
    public record Section(int architectures, Metrics metrics, Map<String, Metrics> perFamily) {}

    /** A stored version's metrics on the current data: on all of it and on its held-out architectures. */
    public record Evaluation(PredictorStore.Version version, Section all, Section heldOut) {}

    private final FarmStore store;
    private final PredictorStore predictors;
    private final ProfileDataset dataset;
    private final Settings settings;
    private final PredictorTrainer trainer;
    private final ScheduledExecutorService thread;
    private final Map<String, Long> lastTrainedMaxId = new ConcurrentHashMap<>();
    private final Map<String, LatencyPredictor> servingCache = new ConcurrentHashMap<>();
    private final Map<Long, LatencyPredictor> versionCache = new ConcurrentHashMap<>();
    private final Map<Long, Job> jobs = new ConcurrentHashMap<>();
    private final AtomicLong jobIds = new AtomicLong();
    private volatile boolean closed;

    public PredictorService(FarmStore store, Function<String, Graph> resolver, Settings settings) {
        this.store = store;
        this.predictors = store.predictors();
        this.dataset = new ProfileDataset(store, resolver);
        this.settings = settings;
        this.trainer = new PredictorTrainer(settings.options());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pipefarm-predictor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts a service with automatic retraining for {@code store} (settings from {@code config}). */
    public static PredictorService start(FarmStore store, Config config, Function<String, Graph> resolver) {
        PredictorService s = new PredictorService(store, resolver, Settings.from(config));
        s.startRetraining();
        return s;
    }

    public Settings settings() { return settings; }
    public PredictorStore store() { return predictors; }
    public ProfileDataset dataset() { return dataset; }

    /** Schedules the periodic retraining check. */
    public void startRetraining() {
        long ms = Math.max(1, settings.checkInterval().toMillis());
        thread.scheduleWithFixedDelay(this::checkQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    // ---- training ----------------------------------------------------------------------------

    /**
     * Queues a training of {@code kind} on the service thread. Cheap checks run first, here:
     * {@code UNKNOWN_KIND} and {@code TOO_LITTLE_DATA} are thrown at once.
     */
    public Job submit(String kind) {
        checkTrainable(kind);
        long id = jobIds.incrementAndGet();
        Job queued = new Job(id, kind, "queued", System.currentTimeMillis(), null, null, null, null);
        jobs.put(id, queued);
        trimJobs();
        thread.execute(() -> {
            jobs.put(id, new Job(id, kind, "running", queued.createdMs(), null, null, null, null));
            try {
                Outcome o = train(kind);
                jobs.put(id, new Job(id, kind, "done", queued.createdMs(), System.currentTimeMillis(), o, null, null));
            } catch (PredictorException e) {
                jobs.put(id, new Job(id, kind, "failed", queued.createdMs(), System.currentTimeMillis(), null, e.kind(), e.getMessage()));
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("training a predictor for {} failed", kind, e);
                jobs.put(id, new Job(id, kind, "failed", queued.createdMs(), System.currentTimeMillis(), null, PredictorException.Kind.FAILED, String.valueOf(e)));
            }
        });
        return queued;
    }

    /** A training job by id (recent ones only). */
    public Optional<Job> job(long id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** Trains {@code kind} now (on the service thread, after whatever is queued) and waits for it. */
    public Outcome trainNow(String kind) {
        checkTrainable(kind);
        try {
            return CompletableFuture.supplyAsync(() -> train(kind), thread).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private void checkTrainable(String kind) {
        requireKnown(kind);
        dataset.requireEnough(kind, settings.options().minProfiles(), settings.options().minArchitectures());
    }

    private void requireKnown(String kind) {
        if (kind == null || kind.isBlank()) throw new PredictorException(PredictorException.Kind.UNKNOWN_KIND, "no device kind given");
        if (!predictors.kindKnown(kind) && predictors.maxProfileId(kind) == 0) {
            throw new PredictorException(PredictorException.Kind.UNKNOWN_KIND, "unknown device kind '" + kind
                    + "'; the farm knows " + knownKinds());
        }
    }

    private List<String> knownKinds() {
        Set<String> k = new TreeSet<>(store.agents().deviceKinds());
        k.addAll(predictors.kindsWithProfiles());
        return new ArrayList<>(k);
    }

    /** One training run of {@code kind}; runs on the service thread. */
    private Outcome train(String kind) {
        long maxId = predictors.maxProfileId(kind);
        List<Sample> samples = dataset.samples(kind);
        Set<String> archs = new TreeSet<>();
        for (Sample s : samples) archs.add(s.architecture());
        PredictorTrainer.Options o = settings.options();
        if (samples.size() < o.minProfiles() || archs.size() < o.minArchitectures()) {
            throw new PredictorException(PredictorException.Kind.TOO_LITTLE_DATA,
                    ProfileDataset.tooLittle(kind, o.minProfiles(), o.minArchitectures(), samples.size(), archs.size()));
        }
        Optional<PredictorStore.Version> serving = predictors.serving(kind);
        // Hold out the serving version's architectures again, so that both are measured on data
        // neither was trained on (new architectures go to training).
        Set<String> held = null;
        if (serving.isPresent()) {
            Set<String> h = new TreeSet<>(serving.get().heldOut());
            h.retainAll(archs);
            if (!h.isEmpty() && archs.size() - h.size() >= 2) held = h;
        }
        PredictorTrainer.Result r = trainer.train(kind, samples, held);
        Metrics mine = r.best().heldOut();
        Metrics theirs = null;
        if (serving.isPresent()) {
            try {
                LatencyPredictor current = load(serving.get().id());
                theirs = Metrics.of(current.predictNanos(PredictorTrainer.features(r.heldOut())), r.measured());
            } catch (PredictorException e) {
                LOG.warn("the serving predictor {} of {} does not load ({}); a new version replaces it", serving.get().id(), kind, e.getMessage());
            }
        }
        boolean promote = mine.betterThan(theirs);
        String reason = serving.isEmpty() ? "first predictor of " + kind
                : theirs == null ? "the serving version does not load"
                : promote ? "better than serving version " + serving.get().version() + " on the same held-out architectures"
                : "not better than serving version " + serving.get().version() + " on the same held-out architectures (kept)";
        Map<String, Object> metrics = new LinkedHashMap<>(mine.toMap());
        List<Map<String, Object>> fams = new ArrayList<>();
        for (PredictorTrainer.FamilyResult f : r.families()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("family", f.family());
            fm.put("train_seconds", f.trainSeconds());
            if (f.ok()) fm.put("metrics", f.heldOut().toMap());
            else fm.put("error", f.error());
            fams.add(fm);
        }
        metrics.put("families", fams);
        Map<String, Object> fam = new LinkedHashMap<>();
        perFamily(r.heldOut(), r.best().predicted()).forEach((f, m) -> fam.put(f, m.toMap()));
        metrics.put("per_family", fam);
        if (serving.isPresent()) {
            Map<String, Object> cmp = new LinkedHashMap<>();
            cmp.put("id", serving.get().id());
            cmp.put("version", serving.get().version());
            cmp.put("metrics", theirs == null ? null : theirs.toMap());
            metrics.put("serving_on_same_held_out", cmp);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        r.data().forEach((k, v) -> data.put(k.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT), v));
        data.put("profiles_max_id", maxId);
        byte[] artifact = PredictorArtifact.write(r.best().predictor(), mine.toMap(), data);
        List<String> heldOut = new ArrayList<>(new TreeSet<>(archsOf(r.heldOut())));
        PredictorStore.Version v = predictors.save(newVersion(kind, artifact, metrics, data, heldOut, maxId),
                promote, System.currentTimeMillis());
        lastTrainedMaxId.put(kind, maxId);
        if (promote) servingCache.remove(kind);
        LOG.info("predictor {} v{} ({}) trained on {} profiles: {}; {}", kind, v.version(), v.family(), samples.size(), mine, reason);
        return new Outcome(v, promote, mine, theirs, serving.map(PredictorStore.Version::id).orElse(null), reason);
    }

    /** A version to store, its artifact checked first: the store keeps bytes and does not read them. */
    static PredictorStore.NewVersion newVersion(String kind, byte[] artifact, Map<String, Object> metrics,
                                                Map<String, Object> data, List<String> heldOut, long profilesMaxId) {
        PredictorArtifact.Header h = PredictorArtifact.checked(kind, artifact);
        return new PredictorStore.NewVersion(kind, h.family(), v -> PredictorArtifact.withVersion(artifact, v), metrics, data,
                heldOut, profilesMaxId);
    }

    private static Set<String> archsOf(List<Sample> s) {
        Set<String> out = new LinkedHashSet<>();
        for (Sample x : s) out.add(x.architecture());
        return out;
    }

    private static Map<String, Metrics> perFamily(List<Sample> samples, double[] predicted) {
        Map<String, List<Integer>> idx = new TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            idx.computeIfAbsent(ProfileDataset.family(samples.get(i).architecture()), k -> new ArrayList<>()).add(i);
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

    // ---- automatic retraining ----------------------------------------------------------------

    private void checkQuietly() {
        if (closed) return;
        try {
            checkOnce();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("predictor retraining check failed", e);
        }
    }

    /**
     * The periodic check, callable directly (on any thread; training then happens on the calling
     * thread if it is the service thread, else it is queued there and awaited): retrains every kind
     * with at least {@code retrain-after} new profiles since its last training. Returns the outcomes.
     */
    public List<Outcome> checkOnce() {
        Map<String, Long> after = new LinkedHashMap<>();
        for (String kind : predictors.kindsWithProfiles()) {
            after.put(kind, lastTrainedMaxId.computeIfAbsent(kind,
                    k -> predictors.newest(k).map(PredictorStore.Version::profilesMaxId).orElse(0L)));
        }
        List<Outcome> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : predictors.profilesSince(after).entrySet()) {
            if (e.getValue() < settings.retrainAfter()) continue;
            String kind = e.getKey();
            long maxNow = predictors.maxProfileId(kind);
            try {
                out.add(Thread.currentThread().getName().equals("pipefarm-predictor") ? train(kind)
                        : CompletableFuture.supplyAsync(() -> train(kind), thread).join());
            } catch (PredictorException | CompletionException ex) {
                Throwable c = ex instanceof CompletionException ? ex.getCause() : ex;
                LOG.info("automatic retraining of {} after {} new profiles skipped: {}", kind, e.getValue(), c.getMessage());
            } catch (RuntimeException | LinkageError ex) {
                LOG.warn("automatic retraining of {} failed", kind, ex);
            } finally {
                // count the next batch of new profiles from here, whatever happened
                lastTrainedMaxId.merge(kind, maxNow, Math::max);
            }
        }
        return out;
    }

    // ---- serving -----------------------------------------------------------------------------

    /**
     * The serving predictor of {@code kind} (loaded once per promoted version).
     *
     * @throws PredictorException UNKNOWN_KIND, NO_PREDICTOR, or CORRUPT_ARTIFACT if the stored bytes do not load
     */
    public LatencyPredictor predictor(String kind) {
        Optional<PredictorStore.Version> v = predictors.serving(kind);
        if (v.isEmpty()) {
            requireKnown(kind);
            throw new PredictorException(PredictorException.Kind.NO_PREDICTOR, "no predictor has been trained for device kind '"
                    + kind + "' yet; train one with `pipefarm predictor train --kind " + kind + "`");
        }
        LatencyPredictor cached = servingCache.get(kind);
        if (cached != null && cached.version() == v.get().version()) return cached;
        LatencyPredictor p = load(v.get().id());
        servingCache.put(kind, p);
        return p;
    }

    /** Loads a stored version (cached). */
    public LatencyPredictor load(long id) {
        LatencyPredictor p = versionCache.get(id);
        if (p != null) return p;
        byte[] bytes = predictors.artifact(id).orElseThrow(() -> new PredictorException(PredictorException.Kind.NO_PREDICTOR,
                "no predictor with id " + id));
        p = PredictorArtifact.read(bytes);
        if (versionCache.size() > 16) versionCache.clear();
        versionCache.put(id, p);
        return p;
    }

    /**
     * Metrics of stored version {@code id} on the current data of its kind: on all of it and on
     * its held-out architectures, each overall and per model family of architectures.
     */
    public Evaluation evaluate(long id) {
        PredictorStore.Version v = version(id);
        LatencyPredictor p = load(id);
        List<Sample> all = dataset.samples(v.kind());
        List<Sample> held = heldOutOf(v, all);
        return new Evaluation(v, section(p, all), section(p, held));
    }

    /** {@link #evaluate} of the serving version of {@code kind}. */
    public Evaluation evaluateServing(String kind) {
        predictor(kind); // the right error when there is none
        return evaluate(predictors.serving(kind).orElseThrow().id());
    }

    private static Section section(LatencyPredictor p, List<Sample> s) {
        double[] pred = s.isEmpty() ? new double[0] : p.predictNanos(PredictorTrainer.features(s));
        double[] y = PredictorTrainer.latencies(s);
        return new Section(archsOf(s).size(), Metrics.of(pred, y), perFamily(s, pred));
    }

    /**
     * A predicted-vs-measured scatter plot (SVG) of version {@code id} on the current data of its
     * held-out architectures (all data when it has none left).
     */
    public String plotSvg(long id) {
        PredictorStore.Version v = version(id);
        LatencyPredictor p = load(id);
        List<Sample> all = dataset.samples(v.kind());
        List<Sample> held = heldOutOf(v, all);
        List<Sample> use = held.isEmpty() ? all : held;
        double[] pred = use.isEmpty() ? new double[0] : p.predictNanos(PredictorTrainer.features(use));
        double[] y = PredictorTrainer.latencies(use);
        String title = v.kind() + " " + v.family() + " v" + v.version() + " (" + (held.isEmpty() ? "all data" : "held-out architectures")
                + "): " + Metrics.of(pred, y);
        return ScatterSvg.render(title, y, pred);
    }

    private PredictorStore.Version version(long id) {
        return predictors.get(id).orElseThrow(() -> new PredictorException(PredictorException.Kind.NO_PREDICTOR, "no predictor with id " + id));
    }

    /** The samples of {@code v}'s held-out architectures. */
    private static List<Sample> heldOutOf(PredictorStore.Version v, List<Sample> all) {
        Set<String> heldSet = new TreeSet<>(v.heldOut());
        List<Sample> held = new ArrayList<>();
        for (Sample s : all) if (heldSet.contains(s.architecture())) held.add(s);
        return held;
    }

    private void trimJobs() {
        if (jobs.size() <= KEEP_JOBS) return;
        long min = jobIds.get() - KEEP_JOBS;
        jobs.keySet().removeIf(k -> k < min && !"running".equals(jobs.get(k).state()) && !"queued".equals(jobs.get(k).state()));
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
        trainer.close();
    }
}
