package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.store.PredictorStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loaded predictors: the promoted version of each kind and recently used stored versions, so that a partition
 * search or an evaluation does not parse an artifact per request. Thread-safe.
 */
final class ServingPredictors {
    /** Stored versions kept loaded; the cache starts over beyond this. */
    private static final int MAX_VERSIONS = 16;

    private final PredictorStore predictors;
    private final KnownKinds kinds;
    private final Map<String, LatencyPredictor> servingCache = new ConcurrentHashMap<>();
    private final Map<Long, LatencyPredictor> versionCache = new ConcurrentHashMap<>();

    ServingPredictors(PredictorStore predictors, KnownKinds kinds) {
        this.predictors = predictors;
        this.kinds = kinds;
    }

    /**
     * The serving predictor of {@code kind} (loaded once per promoted version).
     *
     * @throws PredictorException UNKNOWN_KIND, NO_PREDICTOR, or CORRUPT_ARTIFACT if the stored bytes do not load
     */
    LatencyPredictor serving(String kind) {
        Optional<PredictorStore.Version> v = predictors.serving(kind);
        if (v.isEmpty()) {
            kinds.require(kind);
            throw new PredictorException(
                    PredictorException.Kind.NO_PREDICTOR,
                    "no predictor has been trained for device kind '" + kind
                            + "' yet; train one with `pipefarm predictor train --kind " + kind + "`");
        }
        LatencyPredictor cached = servingCache.get(kind);
        if (cached != null && cached.version() == v.get().version()) return cached;
        LatencyPredictor p = load(v.get().id());
        servingCache.put(kind, p);
        return p;
    }

    /** Loads a stored version (cached). */
    LatencyPredictor load(long id) {
        LatencyPredictor p = versionCache.get(id);
        if (p != null) return p;
        byte[] bytes = predictors
                .artifact(id)
                .orElseThrow(() ->
                        new PredictorException(PredictorException.Kind.NO_PREDICTOR, "no predictor with id " + id));
        p = PredictorArtifact.read(bytes);
        if (versionCache.size() > MAX_VERSIONS) versionCache.clear();
        versionCache.put(id, p);
        return p;
    }

    /** Forgets the serving predictor of {@code kind}: a new version was promoted. */
    void promoted(String kind) {
        servingCache.remove(kind);
    }
}
