package io.pipefarm.coordinator.api;

import java.util.List;
import java.util.Map;

/**
 * A stored predictor version (metadata; the bytes are at {@code /api/predictors/{id}/artifact}).
 * {@code metrics} and {@code data} are what the training recorded (open: they grow with the
 * trainer); {@code metrics} holds at least {@code n}, {@code mape} (percent), {@code rmse_ns},
 * {@code acc10} (fraction) and {@code spearman} on the held-out architectures.
 */
public record PredictorVersion(
        long id,
        String kind,
        long version,
        String family,
        boolean serving,
        long createdEpochMs,
        Long promotedEpochMs,
        Map<String, Object> metrics,
        Map<String, Object> data,
        List<String> heldOutArchitectures,
        long profilesMaxId,
        long artifactBytes) {
    public PredictorVersion {
        metrics = Copies.map(metrics);
        data = Copies.map(data);
        heldOutArchitectures = Copies.list(heldOutArchitectures);
    }
}
