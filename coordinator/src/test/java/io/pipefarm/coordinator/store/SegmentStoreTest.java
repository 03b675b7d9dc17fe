package io.pipefarm.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segments stored once by key, also when two writers store the same ones at the same moment. */
class SegmentStoreTest {
    @TempDir
    Path dir;

    @Test
    void twoWritersOfTheSameSegmentsBothSucceedAndEachKeyIsStoredOnce() throws Exception {
        int rounds = 20, perRound = 30;
        try (FarmStore store = StoreFixture.open(dir)) {
            long a = store.models().add("model-a", "zoo:a", perRound, StoreFixture.T0);
            long b = store.models().add("model-b", "zoo:b", perRound, StoreFixture.T0);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                int created = 0;
                for (int r = 0; r < rounds; r++) {
                    List<SegmentStore.NewSegment> forA = new ArrayList<>(), forB = new ArrayList<>();
                    for (int i = 0; i < perRound; i++) {
                        byte[] bytes = ("shared/" + r + "/" + i).getBytes(StandardCharsets.UTF_8);
                        String key = SegmentStore.keyOf(bytes);
                        int op = r * perRound + i;
                        forA.add(new SegmentStore.NewSegment(key, bytes, a, op, op + 1, null));
                        forB.add(new SegmentStore.NewSegment(key, bytes, b, op, op + 1, null));
                    }
                    CyclicBarrier start = new CyclicBarrier(2);
                    Future<Integer> fa = pool.submit(() -> {
                        start.await();
                        return store.segments().putAll(forA, StoreFixture.T0);
                    });
                    Future<Integer> fb = pool.submit(() -> {
                        start.await();
                        return store.segments().putAll(forB, StoreFixture.T0);
                    });
                    int both = fa.get() + fb.get();
                    assertEquals(perRound, both, "round " + r + ": every segment is new to exactly one writer");
                    created += both;
                }
                assertEquals(rounds * perRound, created);
            } finally {
                pool.shutdownNow();
            }
            // both models know every range, whichever writer stored the blob
            assertEquals(rounds * perRound, store.segments().rangesOf(a).size());
            assertEquals(rounds * perRound, store.segments().rangesOf(b).size());
        }
    }
}
