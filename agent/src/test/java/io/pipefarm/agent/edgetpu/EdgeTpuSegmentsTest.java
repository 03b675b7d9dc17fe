package io.pipefarm.agent.edgetpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.ModelZoo;
import org.junit.jupiter.api.Test;

class EdgeTpuSegmentsTest {

    @Test
    void compiledSegmentsAreRecognised() throws Exception {
        byte[] compiled = CompiledModels.compiledSegment();
        assertTrue(EdgeTpuSegments.isCompiled(compiled));
        EdgeTpuSegments.Inspection i = EdgeTpuSegments.inspect(compiled);
        assertEquals(1, i.edgeTpuOps());
        assertEquals(0, i.cpuOps());
        assertTrue(EdgeTpuSegments.containsOpCode(compiled));
        assertTrue(EdgeTpuSegments.cpuRejection("k1", compiled).orElseThrow().contains("compiled for the Edge TPU"));
    }

    @Test
    void plainSegmentsAndGarbageAreNot() throws Exception {
        Graph g = ModelZoo.build("mobilenet_v1");
        byte[] seg = new Segmenter().segment(g, 0, 5).bytes();
        assertFalse(EdgeTpuSegments.isCompiled(seg));
        assertEquals(0, EdgeTpuSegments.inspect(seg).edgeTpuOps());
        assertEquals(5, EdgeTpuSegments.inspect(seg).cpuOps());
        assertFalse(EdgeTpuSegments.containsOpCode(seg));
        assertTrue(EdgeTpuSegments.cpuRejection("k2", seg).isEmpty());
        assertFalse(EdgeTpuSegments.isCompiled(null));
        assertFalse(EdgeTpuSegments.isCompiled(new byte[0]));
        assertFalse(EdgeTpuSegments.isCompiled("not a model at all, just text".getBytes()));
        // the op-code string without its flatbuffer length prefix does not count
        assertFalse(EdgeTpuSegments.containsOpCode("xxxxedgetpu-custom-op".getBytes()));
    }
}
