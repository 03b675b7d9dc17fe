package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.PredictorStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The device kinds a predictor may be asked for: those of registered devices or stored profiles. */
final class KnownKinds {
    private final FarmStore store;
    private final PredictorStore predictors;

    KnownKinds(FarmStore store) {
        this.store = store;
        this.predictors = store.predictors();
    }

    /** @throws PredictorException UNKNOWN_KIND, listing the kinds the farm knows */
    void require(String kind) {
        if (kind == null || kind.isBlank())
            throw new PredictorException(PredictorException.Kind.UNKNOWN_KIND, "no device kind given");
        if (!predictors.kindKnown(kind) && predictors.maxProfileId(kind) == 0) {
            throw new PredictorException(
                    PredictorException.Kind.UNKNOWN_KIND,
                    "unknown device kind '" + kind + "'; the farm knows " + all());
        }
    }

    private List<String> all() {
        Set<String> k = new TreeSet<>(store.agents().deviceKinds());
        k.addAll(predictors.kindsWithProfiles());
        return new ArrayList<>(k);
    }
}
