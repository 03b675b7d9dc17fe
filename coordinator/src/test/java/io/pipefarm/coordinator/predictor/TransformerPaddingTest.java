package io.pipefarm.coordinator.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.features.SegmentFeatures;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TransformerPaddingTest {

    @Test
    void bucketsAreFewMonotoneAndWasteLittle() {
        Set<Integer> sizes = new TreeSet<>();
        int prev = 0;
        for (int len = 1; len <= 400; len++) {
            int p = TransformerPredictor.paddedLength(len);
            assertTrue(p >= len, len + " -> " + p);
            assertTrue(p >= prev, "monotone at " + len);
            if (len <= 6) assertEquals(len, p);
            assertTrue(p <= Math.ceil(len * 1.25) + 1, len + " -> " + p);
            assertEquals(p, TransformerPredictor.paddedLength(p), "a bucket size is its own bucket");
            sizes.add(p);
            prev = p;
        }
        assertTrue(sizes.size() < 30, "buckets " + sizes);
    }

    @Test
    void batchesMixLengthsOfOneBucketAndPredictionsDoNotDependOnBatchCompanions() {
        List<Sample> d = XgbPredictorTest.data(8, 40, 3);
        for (List<Sample> b : TransformerPredictor.batches(d, 64)) {
            int p = TransformerPredictor.paddedLength(b.get(0).features().length());
            for (Sample s : b)
                assertEquals(p, TransformerPredictor.paddedLength(s.features().length()));
        }
        TransformerPredictor.Params q = new TransformerPredictor.Params(16, 1, 2, 2, 32, 2e-3, 2, 7, 60, 1);
        TransformerPredictor t =
                TransformerPredictor.train("sim-edgetpu-usb", d.subList(0, 240), d.subList(240, 320), q);
        List<SegmentFeatures> fs = PredictorTrainer.features(d.subList(240, 320));
        double[] all = t.predictNanos(fs);
        for (int i = 0; i < 10; i++) {
            double one = t.predictNanos(fs.get(i));
            assertEquals(all[i], one, Math.abs(all[i]) * 1e-4, "segment " + i + " alone vs in a batch");
            assertTrue(one > 0 && Double.isFinite(one));
        }
        LatencyPredictor back = PredictorArtifact.read(PredictorArtifact.write(t, Map.of(), Map.of()));
        assertArrayEquals(
                all, back.predictNanos(fs), 1e-3 * Arrays.stream(all).max().orElse(1));
    }
}
