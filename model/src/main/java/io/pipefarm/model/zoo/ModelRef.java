package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.tflite.TfliteReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Model references as users write them: a zoo name ({@code mobilenet_v2}), a fully connected
 * network {@code fc:INPUTS,WIDTH,DEPTH}, a NASBench-101 cell {@code nasbench:{"matrix":...,"ops":...}},
 * or a user's own model {@code file:PATH.tflite}.
 */
public final class ModelRef {
    private ModelRef() {}

    /** Builds the graph a reference names; IllegalArgumentException with a clear message otherwise. */
    public static Graph resolve(String ref) {
        if (ref == null || ref.isBlank()) throw new IllegalArgumentException("empty model reference");
        String r = ref.trim();
        if (r.startsWith("fc:")) {
            String[] p = r.substring(3).split(",");
            if (p.length != 3)
                throw new IllegalArgumentException("fc models are written fc:INPUTS,WIDTH,DEPTH, e.g. fc:64,2048,4");
            int[] v = new int[3];
            for (int i = 0; i < 3; i++) {
                try {
                    v[i] = Integer.parseInt(p[i].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("fc model parameter '" + p[i] + "' is not an integer");
                }
                if (v[i] <= 0) throw new IllegalArgumentException("fc model parameters must be positive, got " + v[i]);
            }
            return ModelZoo.fc(v[0], v[1], v[2]);
        }
        if (r.startsWith("file:")) {
            Path path = Path.of(r.substring("file:".length()));
            try {
                return TfliteReader.read(path);
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        if (r.startsWith("nasbench:")) {
            String json = r.substring("nasbench:".length()).trim();
            List<CellSpec> specs = CellSpecJson.parse(json.startsWith("[") ? json : "[" + json + "]");
            if (specs.size() != 1)
                throw new IllegalArgumentException(
                        "a nasbench model reference names exactly one cell, got " + specs.size());
            return ModelZoo.nasbench(specs.get(0));
        }
        return ModelZoo.build(r);
    }
}
