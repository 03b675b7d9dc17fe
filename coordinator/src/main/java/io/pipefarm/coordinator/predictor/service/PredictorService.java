package io.pipefarm.coordinator.predictor.service;

import com.typesafe.config.Config;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.Metrics;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.XgbPredictor;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.model.graph.Graph;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

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
 *
 * <p>A façade: {@link TrainingQueue} (the thread and the requests), {@link TrainingRun} (a training and its
 * promotion decision), {@link Retraining} (when to retrain), {@link ServingPredictors} (loaded versions) and
 * {@link PredictorEvaluation} (figures and plots) do the work.
 */
public final class PredictorService implements AutoCloseable {

    /** How the service trains and when it retrains. */
    public record Settings(Duration checkInterval, int retrainAfter, PredictorTrainer.Options options) {
        public static Settings defaults() {
            return new Settings(
                    Duration.ofSeconds(30),
                    500,
                    PredictorTrainer.Options.defaults().families(List.of(XgbPredictor.FAMILY)));
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
            int minArchs =
                    c.hasPath(p + "min-architectures") ? c.getInt(p + "min-architectures") : o.minArchitectures();
            o = new PredictorTrainer.Options(
                    o.heldOutFraction(),
                    o.validationFraction(),
                    o.seed(),
                    minProfiles,
                    minArchs,
                    o.families(),
                    o.xgb(),
                    o.transformer());
            return new Settings(check, after, o);
        }
    }

    /** What one training run did: the stored version, whether it now serves, and the comparison. */
    public record Outcome(
            PredictorStore.Version version,
            boolean promoted,
            Metrics metrics,
            Metrics servingMetrics,
            Long previousServingId,
            String reason) {}

    /** A training request and where it is; {@code errorKind} says why when it failed. */
    public record Job(
            long id,
            String kind,
            TrainingState state,
            long createdMs,
            Long finishedMs,
            Outcome outcome,
            PredictorException.Kind errorKind,
            String error) {}

    /** Metrics of a version over some architectures, overall and per model family of architectures. */
    public record Section(int architectures, Metrics metrics, Map<String, Metrics> perFamily) {}

    /** A stored version's metrics on the current data: on all of it and on its held-out architectures. */
    public record Evaluation(PredictorStore.Version version, Section all, Section heldOut) {}

    private final PredictorStore predictors;
    private final ProfileDataset dataset;
    private final Settings settings;
    private final PredictorTrainer trainer;
    private final KnownKinds kinds;
    private final ServingPredictors serving;
    private final Retraining retraining;
    private final TrainingQueue queue;
    private final PredictorEvaluation evaluation;
    private volatile boolean closed;

    public PredictorService(FarmStore store, Function<String, Graph> resolver, Settings settings) {
        this.predictors = store.predictors();
        this.dataset = new ProfileDataset(store, resolver);
        this.settings = settings;
        this.trainer = new PredictorTrainer(settings.options());
        this.kinds = new KnownKinds(store);
        this.serving = new ServingPredictors(predictors, kinds);
        this.retraining = new Retraining(predictors, settings.retrainAfter());
        this.queue = new TrainingQueue(
                new TrainingRun(predictors, dataset, trainer, settings.options(), serving, retraining::trained));
        this.evaluation = new PredictorEvaluation(predictors, dataset, serving);
    }

    /** Starts a service with automatic retraining for {@code store} (settings from {@code config}). */
    public static PredictorService start(FarmStore store, Config config, Function<String, Graph> resolver) {
        PredictorService s = new PredictorService(store, resolver, Settings.from(config));
        s.startRetraining();
        return s;
    }

    public Settings settings() {
        return settings;
    }

    public PredictorStore store() {
        return predictors;
    }

    public ProfileDataset dataset() {
        return dataset;
    }

    /** Schedules the periodic retraining check. */
    public void startRetraining() {
        queue.every(settings.checkInterval(), () -> {
            if (!closed) retraining.checkQuietly(queue::trainOnTrainingThread);
        });
    }

    // ---- training ----------------------------------------------------------------------------

    /**
     * Queues a training of {@code kind} on the service thread. Cheap checks run first, here:
     * {@code UNKNOWN_KIND} and {@code TOO_LITTLE_DATA} are thrown at once.
     */
    public Job submit(String kind) {
        checkTrainable(kind);
        return queue.submit(kind);
    }

    /** A training job by id (recent ones only). */
    public Optional<Job> job(long id) {
        return queue.job(id);
    }

    /** Trains {@code kind} now (on the service thread, after whatever is queued) and waits for it. */
    public Outcome trainNow(String kind) {
        checkTrainable(kind);
        return queue.trainNow(kind);
    }

    private void checkTrainable(String kind) {
        kinds.require(kind);
        dataset.requireEnough(
                kind, settings.options().minProfiles(), settings.options().minArchitectures());
    }

    /**
     * The periodic check, callable directly (on any thread; training then happens on the calling
     * thread if it is the service thread, else it is queued there and awaited): retrains every kind
     * with at least {@code retrain-after} new profiles since its last training. Returns the outcomes.
     */
    public List<Outcome> checkOnce() {
        return retraining.checkOnce(queue::trainOnTrainingThread);
    }

    // ---- serving -----------------------------------------------------------------------------

    /**
     * The serving predictor of {@code kind} (loaded once per promoted version).
     *
     * @throws PredictorException UNKNOWN_KIND, NO_PREDICTOR, or CORRUPT_ARTIFACT if the stored bytes do not load
     */
    public LatencyPredictor predictor(String kind) {
        return serving.serving(kind);
    }

    /** Loads a stored version (cached). */
    public LatencyPredictor load(long id) {
        return serving.load(id);
    }

    /**
     * Metrics of stored version {@code id} on the current data of its kind: on all of it and on
     * its held-out architectures, each overall and per model family of architectures.
     */
    public Evaluation evaluate(long id) {
        return evaluation.evaluate(id);
    }

    /** {@link #evaluate} of the serving version of {@code kind}. */
    public Evaluation evaluateServing(String kind) {
        predictor(kind); // the right error when there is none
        return evaluate(predictors.serving(kind).orElseThrow().id());
    }

    /**
     * A predicted-vs-measured scatter plot (SVG) of version {@code id} on the current data of its
     * held-out architectures (all data when it has none left).
     */
    public String plotSvg(long id) {
        return evaluation.plotSvg(id);
    }

    @Override
    public void close() {
        closed = true;
        queue.close();
        trainer.close();
    }
}
