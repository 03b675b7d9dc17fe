package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.service.PredictorService.Outcome;
import io.pipefarm.coordinator.store.PredictorStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When to retrain without being asked: a kind once {@code retrain-after} profiles of it arrived since its last
 * training, so that predictors follow the farm's data without a training per profile.
 */
final class Retraining {
    private static final Logger LOG = LoggerFactory.getLogger(Retraining.class);

    private final PredictorStore predictors;
    private final int retrainAfter;
    /** Per kind, the newest profile id its last training saw. */
    private final Map<String, Long> lastTrainedMaxId = new ConcurrentHashMap<>();

    Retraining(PredictorStore predictors, int retrainAfter) {
        this.predictors = predictors;
        this.retrainAfter = retrainAfter;
    }

    /** A training of {@code kind} saw profiles up to {@code profilesMaxId}. */
    void trained(String kind, long profilesMaxId) {
        lastTrainedMaxId.put(kind, profilesMaxId);
    }

    /** {@link #checkOnce} with its errors logged, never thrown (it runs on a schedule). */
    void checkQuietly(Function<String, Outcome> train) {
        try {
            checkOnce(train);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("predictor retraining check failed", e);
        }
    }

    /** Retrains with {@code train} every kind with at least {@code retrain-after} new profiles; returns the outcomes. */
    List<Outcome> checkOnce(Function<String, Outcome> train) {
        Map<String, Long> after = new LinkedHashMap<>();
        for (String kind : predictors.kindsWithProfiles()) {
            after.put(
                    kind,
                    lastTrainedMaxId.computeIfAbsent(
                            kind,
                            k -> predictors
                                    .newest(k)
                                    .map(PredictorStore.Version::profilesMaxId)
                                    .orElse(0L)));
        }
        List<Outcome> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : predictors.profilesSince(after).entrySet()) {
            if (e.getValue() < retrainAfter) continue;
            String kind = e.getKey();
            long maxNow = predictors.maxProfileId(kind);
            try {
                out.add(train.apply(kind));
            } catch (PredictorException | CompletionException ex) {
                Throwable c = ex instanceof CompletionException ? ex.getCause() : ex;
                LOG.info(
                        "automatic retraining of {} after {} new profiles skipped: {}",
                        kind,
                        e.getValue(),
                        c.getMessage());
            } catch (RuntimeException | LinkageError ex) {
                LOG.warn("automatic retraining of {} failed", kind, ex);
            } finally {
                // count the next batch of new profiles from here, whatever happened
                lastTrainedMaxId.merge(kind, maxNow, Math::max);
            }
        }
        return out;
    }
}
