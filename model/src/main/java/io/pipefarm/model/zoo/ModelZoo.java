package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Graph;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The model zoo: published CNNs by stable name, NASBench-101 networks and fully connected networks,
 * all as int8 {@link Graph}s (batch 1, NHWC, BN folded) with seeded weights. Deterministic: a name
 * always gives the same graph (each name has a fixed seed).
 */
public final class ModelZoo {
    private ModelZoo() {}

    /** Seed of every zoo graph built by name, and of {@link #nasbench} and {@link #fc}. */
    public static final long SEED = 20240101L;

    private record Entry(ModelInfo info, LongFunction<ZooModel> builder) {}

    private static final Map<String, Entry> MODELS = new LinkedHashMap<>();

    private static void register(ModelInfo info, LongFunction<ZooModel> builder) {
        MODELS.put(info.name(), new Entry(info, builder));
    }

    static {
        register(
                new ModelInfo(
                        "mobilenet_v1",
                        "MobileNet v1 (alpha 1.0, 224), TF-slim/Coral layout, 1001 classes",
                        new int[] {1, 224, 224, 3},
                        1001,
                        4_253_864L,
                        "Keras MobileNet(alpha=1.0) total params, 1000 classes, 4 per BN channel",
                        4_222_057L,
                        568_792_553L,
                        31),
                MobileNets::v1);
        register(
                new ModelInfo(
                        "mobilenet_v2",
                        "MobileNet v2 (alpha 1.0, 224), TF-slim/Coral layout, 1001 classes",
                        new int[] {1, 224, 224, 3},
                        1001,
                        3_538_984L,
                        "Keras MobileNetV2(alpha=1.0) total params, 1000 classes, 4 per BN channel (trainable: 3,504,872)",
                        3_489_097L,
                        301_055_657L,
                        66),
                MobileNets::v2);
        register(
                new ModelInfo(
                        "inception_v1",
                        "Inception v1 / GoogLeNet with BN (224), TF-slim/Coral layout, 1001 classes",
                        new int[] {1, 224, 224, 3},
                        1001,
                        6_624_904L,
                        "torchvision googlenet (BN, no aux heads), 1000 classes, 2 per BN channel (gamma, beta)",
                        6_618_649L,
                        1_510_981_801L,
                        83),
                InceptionV1::build);
        register(
                new ModelInfo(
                        "resnet50_v1",
                        "ResNet-50 v1 (299), Keras layout, 1000 classes",
                        new int[] {1, 299, 299, 3},
                        1000,
                        25_636_712L,
                        "Keras ResNet50 total params (convs with bias), 1000 classes, 4 per BN channel",
                        25_530_472L,
                        7_225_430_568L,
                        73),
                ResNet50::build);
        register(
                new ModelInfo(
                        "vgg16",
                        "VGG16 (224), Keras layout, 1000 classes",
                        new int[] {1, 224, 224, 3},
                        1000,
                        138_357_544L,
                        "Keras VGG16 total params (no BN)",
                        138_357_544L,
                        15_476_386_792L,
                        23),
                Vgg16::build);
        register(
                new ModelInfo(
                        "squeezenet",
                        "SqueezeNet 1.1 (224), torchvision layout, 1000 classes",
                        new int[] {1, 224, 224, 3},
                        1000,
                        1_235_496L,
                        "torchvision squeezenet1_1 (no BN)",
                        1_235_496L,
                        352_293_520L,
                        39),
                SqueezeNet::build);
        register(
                new ModelInfo(
                        "densenet121",
                        "DenseNet-121 (224), Keras layout, 1000 classes",
                        new int[] {1, 224, 224, 3},
                        1000,
                        8_062_504L,
                        "Keras DenseNet121 total params, 4 per BN channel",
                        7_902_696L,
                        2_857_820_648L,
                        309),
                DenseNet121::build);
        register(
                new ModelInfo(
                        "efficientnet_edgetpu_s",
                        "EfficientNet-EdgeTPU-S (224), 1000 classes",
                        new int[] {1, 224, 224, 3},
                        1000,
                        5_440_000L,
                        "about 5.44M (timm efficientnet_es, 2 per BN channel; the TF release states 5.4M): not exact",
                        5_412_672L,
                        1_789_177_320L,
                        64),
                EfficientNets::edgeTpuS);
        register(
                new ModelInfo(
                        "efficientnet_b0",
                        "EfficientNet-B0 (224), Keras layout, 1000 classes",
                        new int[] {1, 224, 224, 3},
                        1000,
                        5_288_548L,
                        "Keras EfficientNetB0 trainable params, 2 per BN channel (total 5,330,571 adds moving stats and 7 normalization values)",
                        5_267_540L,
                        403_026_432L,
                        239),
                EfficientNets::b0);
    }

    /** Stable names of the published CNNs, in listing order. */
    public static List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    /** The int8 graph of a published CNN. */
    public static Graph build(String name) {
        return buildModel(name).graph();
    }

    /** The graph and its BN-folding ledger. */
    public static ZooModel buildModel(String name) {
        return entry(name).builder().apply(SEED);
    }

    /** Description of a published CNN (no graph is built). */
    public static ModelInfo info(String name) {
        return entry(name).info();
    }

    /** Descriptions of all published CNNs, in {@link #names()} order. */
    public static List<ModelInfo> infos() {
        List<ModelInfo> out = new ArrayList<>();
        for (Entry e : MODELS.values()) out.add(e.info());
        return out;
    }

    /** A NASBench-101 network for a cell. */
    public static Graph nasbench(CellSpec spec) {
        return NasBenchNetwork.build(spec, SEED);
    }

    /** A fully connected network ({@link FcNetwork#build(int, int, int, long)}). */
    public static Graph fc(int inputs, int width, int depth) {
        return FcNetwork.build(inputs, width, depth, SEED);
    }

    private static Entry entry(String name) {
        Entry e = name == null ? null : MODELS.get(name);
        if (e == null) {
            throw new IllegalArgumentException(
                    "unknown zoo model \"" + name + "\"; known models: " + String.join(", ", MODELS.keySet())
                            + " (NASBench-101 cells and fully connected networks are built from a cell spec or sizes)");
        }
        return e;
    }
}
