package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.ModelStore;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.coordinator.store.SegmentStore;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.zoo.ModelRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Training samples from stored profiles: for one device kind, the newest profile of every segment
 * whose model can be rebuilt from its stored reference, with the segment's features. Model
 * features are computed once per model id and cached (thread-safe). The architecture of a sample
 * is its model's name; {@link #family(String)} groups architectures into model families for reports.
 */
public final class ProfileDataset {
    private static final Pattern LEAD = Pattern.compile("^([a-z]+)");
    private final FarmStore store;
    private final PredictorStore predictors;
    private final Function<String, Graph> resolver;
    private final Map<Long, Optional<ModelFeatures>> features = new ConcurrentHashMap<>();
    private final Map<Long, String> families = new ConcurrentHashMap<>();
    private final Map<Long, String> names = new ConcurrentHashMap<>();

    /** A dataset over {@code store}; {@code resolver} turns a model's stored reference into its graph. */
    public ProfileDataset(FarmStore store, Function<String, Graph> resolver) {
        this.store = store;
        this.predictors = store.predictors();
        this.resolver = resolver == null ? ModelRef::resolve : resolver;
    }

    /** A dataset resolving model references with {@link ModelRef#resolve}. */
    public ProfileDataset(FarmStore store) {
        this(store, null);
    }

    /** One sample with the profile id and model family it came from. */
    public record Row(Sample sample, long profileId, String family) {}

    /** Samples of {@code kind} (newest profile per segment), in profile id order. */
    public List<Sample> samples(String kind) {
        List<Sample> out = new ArrayList<>();
        for (Row r : rows(kind)) out.add(r.sample());
        return out;
    }

    /** {@link #samples} with the profile id and family of each. */
    public List<Row> rows(String kind) {
        List<Row> out = new ArrayList<>();
        Map<String, Optional<SegmentStore.Segment>> segs = new HashMap<>();
        for (ProfileStore.Profile p :
                store.profiles().list(ProfileStore.Query.all().kind(kind).latest())) {
            if (!(p.stats().medianNs() > 0)) continue;
            Optional<SegmentStore.Segment> seg =
                    segs.computeIfAbsent(p.segmentKey(), k -> store.segments().info(k));
            if (seg.isEmpty() || seg.get().modelId() == null) continue;
            long modelId = seg.get().modelId();
            Optional<ModelFeatures> mf = features.computeIfAbsent(modelId, this::load);
            if (mf.isEmpty()
                    || seg.get().endOp() > mf.get().size()
                    || seg.get().firstOp() >= seg.get().endOp()) continue;
            String arch = architecture(modelId, mf.get());
            out.add(new Row(
                    new Sample(
                            arch,
                            p.segmentKey(),
                            mf.get().segment(seg.get().firstOp(), seg.get().endOp()),
                            p.stats().medianNs()),
                    p.id(),
                    families.getOrDefault(modelId, family(arch))));
        }
        return out;
    }

    private String architecture(long modelId, ModelFeatures mf) {
        return names.computeIfAbsent(
                modelId,
                id -> store.models().get(id).map(ModelStore.Model::name).orElse(mf.name()));
    }

    private Optional<ModelFeatures> load(long modelId) {
        Optional<ModelStore.Model> m = store.models().get(modelId);
        if (m.isEmpty()) return Optional.empty();
        try {
            ModelFeatures mf = ModelFeatures.of(resolver.apply(m.get().source()));
            families.put(
                    modelId,
                    family(m.get().source().isBlank() ? m.get().name() : m.get().source()));
            return Optional.of(mf);
        } catch (RuntimeException e) {
            // a model whose reference no longer resolves (e.g. a moved file) contributes no samples
            return Optional.empty();
        }
    }

    /** Profiles (newest per segment, with a model) and architectures of a kind, counted in SQL. */
    public PredictorStore.Counts counts(String kind) {
        return predictors.counts(kind);
    }

    /**
     * {@code TOO_LITTLE_DATA} unless {@code kind} has at least {@code minProfiles} profiles from
     * at least {@code minArchitectures} architectures.
     */
    public void requireEnough(String kind, int minProfiles, int minArchitectures) {
        PredictorStore.Counts c = counts(kind);
        if (c.profiles() < minProfiles || c.architectures() < minArchitectures) {
            throw new PredictorException(
                    PredictorException.Kind.TOO_LITTLE_DATA,
                    tooLittle(kind, minProfiles, minArchitectures, c.profiles(), c.architectures()));
        }
    }

    /** The "too little data" message. */
    public static String tooLittle(
            String kind, int minProfiles, int minArchitectures, long profiles, long architectures) {
        return "too little data to train a predictor: need at least " + minProfiles + " profiles of kind " + kind
                + " from at least " + minArchitectures + " architectures; have " + profiles + " of " + architectures
                + " (profile more segments of kind " + kind + ", e.g. with `pipefarm campaign start`)";
    }

    /**
     * The model family of an architecture name or model reference: {@code nasbench}, {@code fc},
     * {@code file}, or a zoo name's leading letters ({@code mobilenet_v2} -> {@code mobilenet},
     * {@code resnet50} -> {@code resnet}).
     */
    public static String family(String nameOrRef) {
        if (nameOrRef == null || nameOrRef.isBlank()) return "unknown";
        String s = nameOrRef.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("zoo:")) s = s.substring(4);
        int colon = s.indexOf(':');
        if (colon > 0 && s.substring(0, colon).matches("[a-z]+")) return s.substring(0, colon);
        Matcher m = LEAD.matcher(s);
        return m.find() ? m.group(1) : "other";
    }
}
