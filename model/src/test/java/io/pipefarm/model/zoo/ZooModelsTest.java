package io.pipefarm.model.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpCost;
import io.pipefarm.model.graph.OpType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Published parameter counts, op counts and MACs of the zoo CNNs. Each model is built once per class.
 *
 * <p>Parameter-count rule: our graph's {@code OpCost.totalParamCount} is the BN-folded count (weights +
 * biases). {@link BnLedger#unfoldedCount} turns it back into the framework's count (remove the biases
 * folding added, add 2 or 4 parameters per BN channel); the result must equal the published figure
 * exactly, after adjusting for the classifier width where ours differs (1001 vs 1000 classes).
 */
class ZooModelsTest {
    private static final Map<String, ZooModel> BUILT = new HashMap<>();

    private static synchronized ZooModel model(String name) {
        return BUILT.computeIfAbsent(name, ModelZoo::buildModel);
    }

    static List<String> names() {
        return ModelZoo.names();
    }

    @Test
    void namesAreStable() {
        assertEquals(
                List.of(
                        "mobilenet_v1",
                        "mobilenet_v2",
                        "inception_v1",
                        "resnet50_v1",
                        "vgg16",
                        "squeezenet",
                        "densenet121",
                        "efficientnet_edgetpu_s",
                        "efficientnet_b0"),
                ModelZoo.names());
    }

    @Test
    void unknownNameListsKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.build("resnet51"));
        assertTrue(e.getMessage().contains("resnet51"), e.getMessage());
        for (String n : ModelZoo.names()) assertTrue(e.getMessage().contains(n), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelZoo.info(null));
    }

    @ParameterizedTest
    @MethodSource("names")
    void pinnedFiguresMatchTheGraph(String name) {
        Graph g = model(name).graph();
        ModelInfo info = ModelZoo.info(name);
        assertEquals(info.ops(), g.size(), "op count");
        assertEquals(info.params(), OpCost.totalParamCount(g), "folded params");
        assertEquals(info.macs(), OpCost.totalMacs(g), "MACs");
        assertArrayEquals(info.input(), g.tensor(g.inputs()[0]).shape());
        assertArrayEquals(
                new int[] {1, info.classes()}, g.tensor(g.outputs()[0]).shape());
        assertEquals(name, g.name());
        assertTrue(g.opaqueOps().isEmpty());
        assertTrue(info.describe().startsWith(name));
    }

    /** {name, BN params per channel in the published count, params our classifier has beyond the published one}. */
    private static final Object[][] PUBLISHED_RULES = {
        {"mobilenet_v1", 4, 1024 + 1}, // 1001 classes vs 1000: one more 1024-wide row + bias
        {"mobilenet_v2", 4, 1280 + 1},
        {"inception_v1", 2, 1024 + 1},
        {"resnet50_v1", 4, 0},
        {"vgg16", 0, 0},
        {"squeezenet", 0, 0},
        {"densenet121", 4, 0},
        {"efficientnet_b0", 2, 0},
    };

    @Test
    void publishedCountsAreReproducedExactly() {
        for (Object[] r : PUBLISHED_RULES) {
            String name = (String) r[0];
            ZooModel m = model(name);
            long unfolded = m.ledger().unfoldedCount(OpCost.totalParamCount(m.graph()), (Integer) r[1]);
            assertEquals(ModelZoo.info(name).publishedParams(), unfolded - (Integer) r[2], name);
        }
    }

    @Test
    void otherPublishedFigures() {
        // Keras trainable counts (2 per BN channel).
        assertEquals(3_504_872L, unfolded("mobilenet_v2", 2) - 1281);
        assertEquals(4_231_976L, unfolded("mobilenet_v1", 2) - 1025);
        assertEquals(25_583_592L, unfolded("resnet50_v1", 2));
        assertEquals(7_978_856L, unfolded("densenet121", 2));
        // Keras EfficientNetB0 total: 4 per BN channel plus the 7 values of its input Normalization layer.
        assertEquals(5_330_571L, unfolded("efficientnet_b0", 4) + 7);
        // EfficientNet-EdgeTPU-S: published only as "5.4M" (5.44M counting gamma/beta): ours rounds to it.
        long es = unfolded("efficientnet_edgetpu_s", 2);
        assertEquals(5_438_392L, es);
        assertEquals(544, Math.round(es / 1e4));
    }

    private static long unfolded(String name, int perBn) {
        ZooModel m = model(name);
        return m.ledger().unfoldedCount(OpCost.totalParamCount(m.graph()), perBn);
    }

    @Test
    void foldingLedger() {
        // MobileNet v1: every conv/dw conv had BN and no bias, except the logits conv.
        BnLedger l = model("mobilenet_v1").ledger();
        assertEquals(10_944, l.foldedBnChannels());
        assertEquals(l.foldedBnChannels(), l.biasesAddedByFolding());
        // ResNet-50 (Keras): convs already had biases, so folding adds none.
        assertEquals(0, model("resnet50_v1").ledger().biasesAddedByFolding());
        // DenseNet-121: 58 pre-activation BNs + 3 transition BNs + the final BN stay standalone.
        assertEquals(34_336, model("densenet121").ledger().standaloneBnChannels());
        assertEquals(0, model("vgg16").ledger().bnChannels());
    }

    @Test
    void structure() {
        assertEquals(13, count("mobilenet_v1", OpType.DEPTHWISE_CONV_2D));
        assertEquals(17, count("mobilenet_v2", OpType.DEPTHWISE_CONV_2D));
        assertEquals(10, count("mobilenet_v2", OpType.ADD));
        assertEquals(9, count("inception_v1", OpType.CONCATENATION));
        assertEquals(16, count("resnet50_v1", OpType.ADD));
        assertEquals(13, count("vgg16", OpType.CONV_2D));
        assertEquals(3, count("vgg16", OpType.FULLY_CONNECTED));
        assertEquals(8, count("squeezenet", OpType.CONCATENATION));
        assertEquals(58, count("densenet121", OpType.CONCATENATION));
        assertEquals(120, count("densenet121", OpType.CONV_2D));
        assertEquals(62, count("densenet121", OpType.MUL));
        // EfficientNet-B0: 16 MBConv blocks, each with SE (MEAN keep-dims) and a final MEAN.
        assertEquals(16, count("efficientnet_b0", OpType.DEPTHWISE_CONV_2D));
        assertEquals(17, count("efficientnet_b0", OpType.MEAN));
        // Swish after stem, head, each expansion (15), each dw (16), each SE reduce (16) = 49, plus 16 SE gates.
        assertEquals(49 + 16, count("efficientnet_b0", OpType.LOGISTIC));
        // EdgeTPU-S: 7 fused blocks without depthwise, then 11 MBConv blocks; no SE, no swish.
        assertEquals(11, count("efficientnet_edgetpu_s", OpType.DEPTHWISE_CONV_2D));
        assertEquals(0, count("efficientnet_edgetpu_s", OpType.LOGISTIC));
        assertEquals(1, count("efficientnet_edgetpu_s", OpType.MEAN));
        Graph es = model("efficientnet_edgetpu_s").graph();
        Op firstDw = null;
        int convsBefore = 0;
        for (Op op : es.ops()) {
            if (op.type() == OpType.DEPTHWISE_CONV_2D) {
                firstDw = op;
                break;
            }
            if (op.type() == OpType.CONV_2D) convsBefore++;
        }
        assertTrue(firstDw != null);
        assertEquals(
                1 + 2 * 7 + 1, convsBefore, "stem + 7 fused blocks (expand kxk + project) + first MBConv expansion");
        // The first fused block expands 32 -> 96 (forced input width 24 x 4) with a 3x3 kernel.
        Op fused = es.ops().stream()
                .filter(o -> o.type() == OpType.CONV_2D)
                .skip(1)
                .findFirst()
                .orElseThrow();
        assertArrayEquals(new int[] {96, 3, 3, 32}, es.tensor(fused.input(1)).shape());
    }

    private static long count(String name, OpType type) {
        return model(name).graph().ops().stream().filter(o -> o.type() == type).count();
    }

    @Test
    void deterministic() {
        for (String name : List.of("mobilenet_v1", "squeezenet", "efficientnet_b0", "densenet121")) {
            assertEquals(model(name).graph(), ModelZoo.build(name), name);
        }
    }

    @Test
    void fcAndNasbenchThroughTheZoo() {
        Graph fc = ModelZoo.fc(64, 128, 4);
        assertEquals(9, fc.size());
        assertEquals(fc, ModelZoo.fc(64, 128, 4));
        CellSpec spec = NasBenchTest.checkSpec();
        assertEquals(NasBenchNetwork.foldedParams(spec), OpCost.totalParamCount(ModelZoo.nasbench(spec)));
    }
}
