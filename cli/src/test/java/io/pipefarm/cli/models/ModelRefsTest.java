package io.pipefarm.cli.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRefsTest {
    @Test
    void splitsModelListsWithCommasInsideReferences() {
        assertEquals(List.of("mobilenet_v1", "fc:64,512,4"), ModelRefs.splitList("mobilenet_v1,fc:64,512,4"));
        assertEquals(List.of("fc:1,2,3", "fc:4,5,6", "vgg16"), ModelRefs.splitList("fc:1,2,3,fc:4,5,6, vgg16"));
        String cell = "nasbench:{\"matrix\":[[0,1],[0,0]],\"ops\":[\"input\",\"output\"]}";
        assertEquals(List.of(cell, "squeezenet"), ModelRefs.splitList(cell + ",squeezenet"));
    }

    @Test
    void parsesCuts() {
        assertArrayEquals(new int[] {12, 40}, ModelRefs.parseCuts(" 12, 40 ", "--cuts"));
        assertArrayEquals(new int[0], ModelRefs.parseCuts("", "--cuts"));
    }
}
