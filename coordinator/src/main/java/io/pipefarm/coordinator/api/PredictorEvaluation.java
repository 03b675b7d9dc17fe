package io.pipefarm.coordinator.api;

import java.util.List;
import java.util.Map;

/**
 * A stored version's accuracy on the current profiles of its kind: on all of them and on its held-out
 * architectures, each overall and per model family of architectures.
 */
public record PredictorEvaluation(
        long id,
        String kind,
        long version,
        String family,
        boolean serving,
        Section all,
        Section heldOut,
        List<String> heldOutArchitectures) {
    public PredictorEvaluation {
        heldOutArchitectures = Copies.list(heldOutArchitectures);
    }

    /** Metrics over some architectures, overall and per family (e.g. {@code fc}, {@code nasbench}). */
    public record Section(int architectures, PredictorMetrics metrics, Map<String, PredictorMetrics> perFamily) {
        public Section {
            perFamily = Copies.map(perFamily);
        }
    }
}
