package io.pipefarm.cli.farm;

import io.pipefarm.cli.partition.PartitionOutputs;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.campaign.CampaignSpecs;
import io.pipefarm.coordinator.campaign.FarmCostSource;
import io.pipefarm.coordinator.partition.Method;
import io.pipefarm.coordinator.partition.PartitionConfig;
import io.pipefarm.coordinator.partition.PartitionModel;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.Partitioner;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.XgbPredictor;
import io.pipefarm.coordinator.store.ModelStore;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.coordinator.store.SegmentStore;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.graph.Graph;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The demo's second half: train a latency predictor from the profiles the farm stored, then run a
 * hybrid partition search whose verification profiles are measured by the farm's own devices.
 */
final class DemoLoop {
    private DemoLoop() {}

    /** Training samples of one kind from the stored profiles (newest per segment). */
    static List<Sample> samples(CoordinatorNode c, String kind) {
        Map<Long, Optional<ModelFeatures>> features = new HashMap<>();
        List<Sample> out = new ArrayList<>();
        for (ProfileStore.Profile p : c.store().profiles().list(ProfileStore.Query.all().kind(kind).latest())) {
            Optional<SegmentStore.Segment> seg = c.store().segments().info(p.segmentKey());
            if (seg.isEmpty() || seg.get().modelId() == null) continue;
            Optional<ModelFeatures> mf = features.computeIfAbsent(seg.get().modelId(), id -> c.store().models().get(id)
                    .map(ModelStore.Model::source).map(FarmWiring::resolve).map(ModelFeatures::of));
            if (mf.isEmpty()) continue;
            out.add(new Sample(mf.get().name(), p.segmentKey(), mf.get().segment(seg.get().firstOp(), seg.get().endOp()),
                    p.stats().medianNs()));
        }
        return out;
    }

    static PredictorTrainer.Result train(String kind, List<Sample> samples, Set<String> heldOut) {
        try (PredictorTrainer trainer = new PredictorTrainer(PredictorTrainer.Options.defaults()
                .families(List.of(XgbPredictor.FAMILY)).minProfiles(100))) {
            return trainer.train(kind, samples, heldOut);
        }
    }

    /** Hybrid search over {@code k} devices of {@code kind}: predicted costs, farm-measured verification. */
    static PartitionResult hybrid(CoordinatorNode c, String modelRef, int k, String kind, LatencyPredictor predictor) {
        Graph g = FarmWiring.resolve(modelRef);
        SegmentCostSource predicted = SegmentCostSource.ofTable(kind, predictor.predictAllNanos(ModelFeatures.of(g)), true);
        FarmCostSource measured = new FarmCostSource(c.store(), c.planner(), c::queueChanged, modelRef, g, kind,
                CampaignSpecs.defaultSpec(), Duration.ofMinutes(2));
        return new Partitioner(PartitionModel.of(g), k, PartitionConfig.forKind(kind), predicted, measured).run(Method.HYBRID);
    }

    static String stageTable(PartitionResult r) {
        Table t = new Table("stage", "ops", "predicted ms", "measured ms", "params MiB", "fits on chip", "MiB out");
        for (PartitionResult.Stage s : r.stages()) {
            t.row(s.index(), "[" + s.start() + "," + s.end() + ")", fmt(s.predictedNs() / 1e6), fmt(s.measuredNs() / 1e6),
                    String.format("%.2f", s.paramBytes() / 1048576.0), s.fitsOnChip() ? "yes" : "no",
                    String.format("%.3f", s.outputBytes() / 1048576.0));
        }
        return t.render();
    }

    static Path write(Path dir, String modelRef, PartitionResult r, String predictor) throws java.io.IOException {
        return PartitionOutputs.write(dir, FarmWiring.resolve(modelRef), r, predictor).dir();
    }

    private static String fmt(double ms) {
        return Double.isNaN(ms) ? "-" : String.format("%.3f", ms);
    }
}
