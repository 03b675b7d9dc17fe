package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.Metrics;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.service.PredictorService.Outcome;
import io.pipefarm.coordinator.store.PredictorStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run of a device kind and its promotion decision: train on the stored profiles, measure the new
 * version and the serving one on the same held-out architectures, store the new version, and promote it only when
 * it is better (a retraining must never make the farm's predictions worse). Not thread-safe: runs on the service
 * thread.
 */
final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final PredictorStore predictors;
    private final ProfileDataset dataset;
    private final PredictorTrainer trainer;
    private final PredictorTrainer.Options options;
    private final ServingPredictors serving;
    private final BiConsumer<String, Long> trained;

    /** @param trained told the kind and the newest profile id a stored version was trained on */
    TrainingRun(
            PredictorStore predictors,
            ProfileDataset dataset,
            PredictorTrainer trainer,
            PredictorTrainer.Options options,
            ServingPredictors serving,
            BiConsumer<String, Long> trained) {
        this.predictors = predictors;
        this.dataset = dataset;
        this.trainer = trainer;
        this.options = options;
        this.serving = serving;
        this.trained = trained;
    }

    /** Trains {@code kind}, stores the version and promotes it when it beats the serving one. */
    Outcome run(String kind) {
        long maxId = predictors.maxProfileId(kind);
        List<Sample> samples = dataset.samples(kind);
        Set<String> archs = new TreeSet<>();
        for (Sample s : samples) archs.add(s.architecture());
        if (samples.size() < options.minProfiles() || archs.size() < options.minArchitectures()) {
            throw new PredictorException(
                    PredictorException.Kind.TOO_LITTLE_DATA,
                    ProfileDataset.tooLittle(
                            kind, options.minProfiles(), options.minArchitectures(), samples.size(), archs.size()));
        }
        Optional<PredictorStore.Version> current = predictors.serving(kind);
        PredictorTrainer.Result r = trainer.train(kind, samples, sameHeldOut(current, archs));
        Metrics mine = r.best().heldOut();
        Metrics theirs = current.isPresent() ? servingOnHeldOut(current.get(), r) : null;
        boolean promote = mine.betterThan(theirs);
        String reason = reason(kind, current, theirs, promote);
        Map<String, Object> metrics = metrics(r, current, theirs);
        Map<String, Object> data = new LinkedHashMap<>();
        r.data()
                .forEach((k, v) ->
                        data.put(k.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT), v));
        data.put("profiles_max_id", maxId);
        byte[] artifact = PredictorArtifact.write(r.best().predictor(), mine.toMap(), data);
        List<String> heldOut = new ArrayList<>(new TreeSet<>(PredictorEvaluation.architectures(r.heldOut())));
        PredictorStore.Version v = predictors.save(
                newVersion(kind, artifact, metrics, data, heldOut, maxId), promote, System.currentTimeMillis());
        trained.accept(kind, maxId);
        if (promote) serving.promoted(kind);
        LOG.info(
                "predictor {} v{} ({}) trained on {} profiles: {}; {}",
                kind,
                v.version(),
                v.family(),
                samples.size(),
                mine,
                reason);
        return new Outcome(
                v,
                promote,
                mine,
                theirs,
                current.map(PredictorStore.Version::id).orElse(null),
                reason);
    }

    /** A version to store, its artifact checked first: the store keeps bytes and does not read them. */
    static PredictorStore.NewVersion newVersion(
            String kind,
            byte[] artifact,
            Map<String, Object> metrics,
            Map<String, Object> data,
            List<String> heldOut,
            long profilesMaxId) {
        PredictorArtifact.Header h = PredictorArtifact.checked(kind, artifact);
        return new PredictorStore.NewVersion(
                kind,
                h.family(),
                v -> PredictorArtifact.withVersion(artifact, v),
                metrics,
                data,
                heldOut,
                profilesMaxId);
    }

    /**
     * The serving version's held-out architectures that are still in the data, so that both versions are measured on
     * data neither was trained on (new architectures go to training); null (a fresh split) when too few are left.
     */
    private static Set<String> sameHeldOut(Optional<PredictorStore.Version> current, Set<String> archs) {
        if (current.isEmpty()) return null;
        Set<String> h = new TreeSet<>(current.get().heldOut());
        h.retainAll(archs);
        return !h.isEmpty() && archs.size() - h.size() >= 2 ? h : null;
    }

    /** The serving version's metrics on the new held-out data; null when it does not load. */
    private Metrics servingOnHeldOut(PredictorStore.Version current, PredictorTrainer.Result r) {
        try {
            LatencyPredictor p = serving.load(current.id());
            return Metrics.of(p.predictNanos(PredictorTrainer.features(r.heldOut())), r.measured());
        } catch (PredictorException e) {
            LOG.warn(
                    "the serving predictor {} of {} does not load ({}); a new version replaces it",
                    current.id(),
                    current.kind(),
                    e.getMessage());
            return null;
        }
    }

    private static String reason(
            String kind, Optional<PredictorStore.Version> current, Metrics theirs, boolean promote) {
        if (current.isEmpty()) return "first predictor of " + kind;
        if (theirs == null) return "the serving version does not load";
        return promote
                ? "better than serving version " + current.get().version() + " on the same held-out architectures"
                : "not better than serving version " + current.get().version()
                        + " on the same held-out architectures (kept)";
    }

    /** The stored metrics: held-out overall, per trained family, per model family, and the serving version's. */
    private static Map<String, Object> metrics(
            PredictorTrainer.Result r, Optional<PredictorStore.Version> current, Metrics theirs) {
        Map<String, Object> metrics = new LinkedHashMap<>(r.best().heldOut().toMap());
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
        PredictorEvaluation.perFamily(r.heldOut(), r.best().predicted()).forEach((f, m) -> fam.put(f, m.toMap()));
        metrics.put("per_family", fam);
        if (current.isPresent()) {
            Map<String, Object> cmp = new LinkedHashMap<>();
            cmp.put("id", current.get().id());
            cmp.put("version", current.get().version());
            cmp.put("metrics", theirs == null ? null : theirs.toMap());
            metrics.put("serving_on_same_held_out", cmp);
        }
        return metrics;
    }
}
