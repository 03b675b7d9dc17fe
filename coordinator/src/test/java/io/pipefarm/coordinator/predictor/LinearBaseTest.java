package io.pipefarm.coordinator.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.features.SegmentAggregates;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearBaseTest {

    /**
     * A CPU-like additive latency (per-op overhead, 1x1 and kxk convolution MACs at different rates,
     * max-pool window elements, add bytes) is recovered by the non-negative fit on other architectures.
     */
    @Test
    void recoversPerOpTypeCostsOnHeldOutArchitectures() {
        int ops = SegmentAggregates.featureIndex("ops"),
                c1 = SegmentAggregates.featureIndex("conv1x1Macs"),
                ck = SegmentAggregates.featureIndex("convKxKMacs"),
                pm = SegmentAggregates.featureIndex("poolElemsLarge"),
                ad = SegmentAggregates.featureIndex("addBytes");
        List<double[]> train = new ArrayList<>(), test = new ArrayList<>();
        Random r = new Random(5);
        var specs = NasBenchSampler.sample(10, 11);
        for (int k = 0; k < specs.size(); k++) {
            ModelFeatures mf = ModelFeatures.of(ModelZoo.nasbench(specs.get(k)));
            int n = mf.size();
            for (int s = 0; s < 60; s++) {
                int i = r.nextInt(n), j = i + 1 + r.nextInt(n - i);
                (k < 7 ? train : test).add(mf.segment(i, j).aggregates());
            }
        }
        double[] y = new double[train.size()];
        for (int i = 0; i < y.length; i++) y[i] = cost(train.get(i), ops, c1, ck, pm, ad);
        double[] w = LinearBase.fit(train, y);
        assertEquals(LinearBase.COLUMNS.length + 1, w.length);
        for (double x : w) assertTrue(x >= 0, "weights are non-negative");
        double worst = 0;
        for (double[] a : test)
            worst = Math.max(worst, Math.abs(LinearBase.predict(w, a) / cost(a, ops, c1, ck, pm, ad) - 1));
        assertTrue(worst < 0.02, "worst relative error on held-out architectures " + worst);
    }

    private static double cost(double[] a, int ops, int c1, int ck, int pm, int ad) {
        return 2_000 + 1_500 * a[ops] + 0.013 * a[c1] + 0.016 * a[ck] + 2.2 * a[pm] + 2.4 * a[ad];
    }
}
