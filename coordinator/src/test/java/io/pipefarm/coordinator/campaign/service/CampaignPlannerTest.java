package io.pipefarm.coordinator.campaign.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.pipefarm.coordinator.campaign.CampaignRequest;
import io.pipefarm.coordinator.store.Database;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.ModelStore;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.FcNetwork;
import io.pipefarm.proto.farm.ProfileSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The planner knows models by their content, not by the name inside them. */
class CampaignPlannerTest {
    static final String KIND = "sim-edgetpu-usb";

    static Graph named(String name, long seed) {
        Graph g = FcNetwork.build(32, 16, 2, seed);
        return new Graph(name, g.tensors(), g.ops(), g.inputs(), g.outputs());
    }

    @Test
    void aModelNamedLikeAnotherIsAnotherModelAndTheSameContentIsTheSameModel() {
        // "zoo" and "file" share a name but not their weights; "copy" is "zoo" again under another name
        Map<String, Graph> refs =
                Map.of("zoo", named("fc_net", 1), "file", named("fc_net", 2), "copy", named("my_copy", 1));
        Segmenter segmenter = new Segmenter();
        try (FarmStore store = FarmStore.open(Database.memUrl("planner-content"))) {
            CampaignPlanner planner = new CampaignPlanner(
                    store, refs::get, (g, i, j) -> segmenter.segment(g, i, j).bytes(), Set.of(KIND));
            Map<String, Integer> enqueued = new LinkedHashMap<>();
            for (String ref : List.of("zoo", "file", "copy")) {
                enqueued.put(
                        ref,
                        planner.plan(new CampaignRequest(
                                        "c-" + ref,
                                        List.of(ref),
                                        new CampaignRequest.Cuts.Given(new int[] {1}),
                                        List.of(KIND),
                                        ProfileSpec.getDefaultInstance(),
                                        false,
                                        3))
                                .jobsEnqueued());
            }
            // the copy's two segments are the first model's: nothing new to profile
            assertEquals(Map.of("zoo", 2, "file", 2, "copy", 0), enqueued);
            List<ModelStore.Model> models = store.models().list();
            assertEquals(2, models.size(), models.toString());
            assertEquals("fc_net", models.get(0).name());
            assertNotEquals("fc_net", models.get(1).name(), "the second fc_net gets a name of its own");
            assertEquals(
                    true,
                    models.get(1).name().startsWith("fc_net~"),
                    models.get(1).name());
        }
    }
}
