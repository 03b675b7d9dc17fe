package io.pipefarm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelExperimentTest {

    @Test
    void countsEverySegmentOfATinyNetworkAndWritesThem() {
        List<String> heard = new ArrayList<>();
        ModelExperiment.Result r = ModelExperiment.run(
                new ModelExperiment.Options(List.of("squeezenet"), List.of("fc:8,8,2"), 2, true), heard::add);
        assertEquals(1, r.models().size());
        ModelExperiment.ModelRow m = r.models().get(0);
        assertEquals("squeezenet", m.name());
        assertEquals(ModelZoo.build("squeezenet").size(), m.ops());
        assertTrue(m.bytes() > 0);
        // fc:8,8,2 is FC, TANH, FC, TANH, FC: 5 ops, so 5 + 4 + 3 + 2 + 1 = 15 contiguous segments
        ModelExperiment.SegmentRow s = r.segments().get(0);
        assertEquals(5, s.ops());
        assertEquals(15, s.segments());
        assertTrue(s.wrote());
        assertTrue(s.maxBytes() > 0 && s.totalBytes() > s.maxBytes(), s.toString());
        assertTrue(s.featuresMs() <= s.featuresColdMs(), "the best run is reported next to the first");
        assertEquals(List.of("building squeezenet", "segments of fc:8,8,2 (5 ops)"), heard);
    }

    @Test
    void theReferenceCellAndNoWriting() {
        ModelExperiment.Result r =
                ModelExperiment.run(new ModelExperiment.Options(List.of(), List.of("nasbench"), 1, false), s -> {});
        ModelExperiment.SegmentRow s = r.segments().get(0);
        int n = ModelExperiment.network("nasbench").size();
        assertEquals(n, s.ops());
        assertEquals(n * (n + 1) / 2, s.segments());
        assertFalse(s.wrote());
        assertEquals(0, s.totalBytes());
        assertTrue(r.models().isEmpty());
    }

    @Test
    void unknownNamesFailBeforeAnyWork() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelExperiment.run(
                        new ModelExperiment.Options(List.of("no_such_model"), List.of(), 1, false), s -> {
                            throw new AssertionError("worked: " + s);
                        }));
        assertThrows(IllegalArgumentException.class, () -> new ModelExperiment.Options(List.of(), List.of(), 0, false));
    }
}
