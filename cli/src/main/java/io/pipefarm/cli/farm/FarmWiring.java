package io.pipefarm.cli.farm;

import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.api.ModelInfo;
import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.ModelRef;
import io.pipefarm.model.zoo.ModelZoo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** How the CLI wires the coordinator to the model module: model references, segment writing, kinds. */
public final class FarmWiring {
    private FarmWiring() {}

    private static final Map<String, Graph> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Graph> e) {
            return size() > 8;
        }
    };

    /** Resolves a model reference, keeping the last few graphs (building VGG16 takes a while). */
    public static Graph resolve(String ref) {
        synchronized (CACHE) {
            Graph g = CACHE.get(ref);
            if (g != null) return g;
        }
        Graph g = ModelRef.resolve(ref);
        synchronized (CACHE) {
            CACHE.put(ref, g);
        }
        return g;
    }

    public static CoordinatorNode startCoordinator(CoordinatorNode.Settings settings) {
        Segmenter segmenter = new Segmenter();
        return CoordinatorNode.start(
                settings,
                FarmWiring::resolve,
                (g, i, j) -> segmenter.segment(g, i, j).bytes(),
                DeviceKind.BUILT_IN.stream().map(DeviceKind::name).collect(Collectors.toSet()),
                FarmWiring::modelList);
    }

    static List<ModelInfo> modelList() {
        return ModelZoo.infos().stream()
                .map(i -> new ModelInfo(i.name(), i.describe()))
                .toList();
    }
}
