package io.pipefarm.coordinator.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.features.SegmentFeatures;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class XgbPredictorTest {

    /** Synthetic additive latency: a stand-in for a device (the real bench uses the simulator in cli). */
    static List<Sample> data(int nets, int perNet, long seed) {
        List<Sample> out = new ArrayList<>();
        Random r = new Random(seed);
        var specs = NasBenchSampler.sample(nets, seed);
        for (int k = 0; k < specs.size(); k++) {
            ModelFeatures mf = ModelFeatures.of(ModelZoo.nasbench(specs.get(k)));
            int n = mf.size();
            for (int s = 0; s < perNet; s++) {
                int i = r.nextInt(n), j = i + 1 + r.nextInt(n - i);
                SegmentFeatures f = mf.segment(i, j);
                double[] a = f.aggregates();
                double ns = 50_000 + 2_000 * a[0] + a[11] / 2e3 + a[18] / 300 + a[9] / 100;
                out.add(new Sample("net" + k, "k" + k + "-" + i + "-" + j, f, ns));
            }
        }
        return out;
    }

    @Test
    void trainsPredictsAndRoundTripsThroughItsArtifact() throws Exception {
        List<Sample> d = data(12, 60, 1);
        PredictorTrainer.Options opt = PredictorTrainer.Options.defaults().families(List.of(XgbPredictor.FAMILY));
        try (PredictorTrainer t = new PredictorTrainer(opt)) {
            PredictorTrainer.Result r = t.trainAsync("sim-edgetpu-usb", d, null).join();
            assertEquals(XgbPredictor.FAMILY, r.best().family());
            Metrics m = r.best().heldOut();
            assertTrue(m.mape() < 5, "held-out " + m);
            byte[] art = PredictorArtifact.write(r.best().predictor(), m.toMap(), r.data());
            LatencyPredictor back = PredictorArtifact.read(art);
            assertEquals("sim-edgetpu-usb", back.deviceKind());
            List<SegmentFeatures> fs = PredictorTrainer.features(r.heldOut());
            assertArrayEquals(r.best().predictor().predictNanos(fs), back.predictNanos(fs), 1e-6);
            assertEquals(
                    m.mape(), ((Number) PredictorArtifact.header(art).metrics().get("mape")).doubleValue(), 1e-12);
            assertArrayEquals(
                    r.best().predictor().predictNanos(fs),
                    PredictorArtifact.read(formatOne(art)).predictNanos(fs),
                    1e-6,
                    "a format-1 artifact (camelCase header) still loads");
        }
    }

    /** The artifact with its header as format 1 wrote it: camelCase names. */
    @SuppressWarnings("unchecked")
    static byte[] formatOne(byte[] art) throws IOException {
        var in = new ZipInputStream(new ByteArrayInputStream(art));
        var bo = new ByteArrayOutputStream();
        try (var out = new ZipOutputStream(bo)) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] b = in.readAllBytes();
                if (e.getName().equals("header.json")) {
                    Map<String, Object> h = PredictorArtifact.JSON.readValue(b, Map.class);
                    h.put("formatVersion", 1);
                    h.remove("format_version");
                    Map<String, Object> spec = (Map<String, Object>) h.remove("feature_spec");
                    spec.put("specVersion", spec.remove("spec_version"));
                    h.put("featureSpec", spec);
                    Map<String, Object> params = (Map<String, Object>) h.get("params");
                    params.put("baseWeights", params.remove("base_weights"));
                    b = PredictorArtifact.JSON.writeValueAsBytes(h);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(b);
                out.closeEntry();
            }
        }
        return bo.toByteArray();
    }

    @Test
    void tooLittleDataSaysHowMuchOfWhichKind() {
        List<Sample> d = data(2, 5, 2);
        try (PredictorTrainer t = new PredictorTrainer(PredictorTrainer.Options.defaults())) {
            PredictorException e = assertThrows(PredictorException.class, () -> t.train("edgetpu-usb", d, null));
            assertEquals(PredictorException.Kind.TOO_LITTLE_DATA, e.kind());
            assertTrue(e.getMessage().contains("edgetpu-usb") && e.getMessage().contains("200"), e.getMessage());
        }
    }

    /** An artifact of feature spec 1 (before the CPU aggregates) is refused as incompatible, not misread. */
    @Test
    void artifactsOfAnOlderFeatureSpecAreRefused() throws Exception {
        List<Sample> d = data(8, 40, 3);
        try (PredictorTrainer t =
                new PredictorTrainer(PredictorTrainer.Options.defaults().families(List.of(XgbPredictor.FAMILY)))) {
            PredictorTrainer.Result r = t.train("cpu-x86_64-t1", d, null);
            byte[] art = PredictorArtifact.write(
                    r.best().predictor(), r.best().heldOut().toMap(), r.data());
            var in = new ZipInputStream(new ByteArrayInputStream(art));
            var bo = new ByteArrayOutputStream();
            try (var out = new ZipOutputStream(bo)) {
                for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    byte[] b = in.readAllBytes();
                    if (e.getName().equals("header.json")) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> h = PredictorArtifact.JSON.readValue(b, Map.class);
                        @SuppressWarnings("unchecked")
                        Map<String, Object> spec = (Map<String, Object>) h.get("feature_spec");
                        spec.put("spec_version", 1);
                        spec.put("aggregates", SegmentFeatures.AGGREGATE_NAMES.subList(0, 37));
                        b = PredictorArtifact.JSON.writeValueAsBytes(h);
                    }
                    out.putNextEntry(new ZipEntry(e.getName()));
                    out.write(b);
                    out.closeEntry();
                }
            }
            PredictorException e =
                    assertThrows(PredictorException.class, () -> PredictorArtifact.read(bo.toByteArray()));
            assertEquals(PredictorException.Kind.CORRUPT_ARTIFACT, e.kind());
            assertTrue(e.getMessage().contains("feature spec") && e.getMessage().contains("retrain"), e.getMessage());
        }
    }

    @Test
    void corruptArtifactsAreRefused() {
        for (byte[] bad :
                new byte[][] {new byte[0], "not a zip at all".getBytes(), new byte[] {'P', 'K', 3, 4, 0, 0}}) {
            PredictorException e = assertThrows(PredictorException.class, () -> PredictorArtifact.read(bad));
            assertEquals(PredictorException.Kind.CORRUPT_ARTIFACT, e.kind());
        }
    }

    @Test
    void metricsAreRight() {
        Metrics m = Metrics.of(new double[] {110, 200, 270}, new double[] {100, 200, 300});
        assertEquals(3, m.n());
        assertEquals(100 * (0.1 + 0 + 0.1) / 3, m.mape(), 1e-9);
        assertEquals(1.0, m.acc10(), 1e-12);
        assertEquals(1.0, m.spearman(), 1e-12);
        assertTrue(Map.of().isEmpty());
    }
}
