package io.pipefarm.coordinator.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.pytorch.jni.JniUtils;
import io.pipefarm.model.features.SegmentFeatures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransformerPredictorTest {

    @Test
    void chunkingAndPredictionThreadsDoNotChangePredictionsAndRestoreTheCallersTorchSettings() {
        List<Sample> d = XgbPredictorTest.data(8, 40, 5);
        TransformerPredictor.Params q = new TransformerPredictor.Params(16, 1, 2, 2, 32, 2e-3, 2, 7, 60, 2);
        TransformerPredictor t =
                TransformerPredictor.train("sim-edgetpu-usb", d.subList(0, 240), d.subList(240, 320), q);
        List<SegmentFeatures> fs = new ArrayList<>(PredictorTrainer.features(d));
        Collections.reverse(fs); // not in length order
        boolean grad = JniUtils.isGradMode();
        int intra = JniUtils.getNumThreads();
        double[] one = t.predictNanos(fs, Integer.MAX_VALUE, 1);
        double max = Arrays.stream(one).max().orElse(1);
        assertArrayEquals(one, t.predictNanos(fs, 40, 1), 1e-4 * max, "small chunks");
        assertArrayEquals(one, t.predictNanos(fs, 40, 3), 1e-4 * max, "small chunks on 3 threads");
        assertArrayEquals(one, t.predictNanos(fs), 1e-4 * max, "defaults");
        assertEquals(0, t.predictNanos(List.of()).length);
        assertEquals(grad, JniUtils.isGradMode(), "grad mode of the caller restored");
        assertEquals(intra, JniUtils.getNumThreads(), "intra-op threads of the caller restored");
        for (int i = 0; i < fs.size(); i += 37)
            assertEquals(one[i], t.predictNanos(fs.get(i)), 1e-4 * one[i], "segment " + i + " alone");
    }
}
