package io.pipefarm.coordinator.partition;

import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.features.SegmentFeatures;
import io.pipefarm.model.graph.Graph;
import java.util.ArrayList;
import java.util.List;

/** A trained predictor as a partition search's cost source. */
public final class PredictedCosts {
    private PredictedCosts() {}

    /**
     * The predicted latencies of {@code g}'s segments: the model's features on first use, then each batch a search asks
     * for predicted together and kept (the predict search asks for a few percent of the segments; the hybrid for all).
     * Latencies include the link transfer, as the measured invokes the predictor was trained on do.
     */
    public static BatchCostSource of(LatencyPredictor p, Graph g) {
        ModelFeatures[] mf = {null};
        return BatchCostSource.cached(p.deviceKind(), true, g.size(), ranges -> {
            if (mf[0] == null) mf[0] = ModelFeatures.of(g);
            List<SegmentFeatures> batch = new ArrayList<>(ranges.size());
            for (int[] r : ranges) batch.add(mf[0].segment(r[0], r[1]));
            return p.predictNanos(batch);
        });
    }
}
