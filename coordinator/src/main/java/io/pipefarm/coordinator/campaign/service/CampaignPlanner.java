package io.pipefarm.coordinator.campaign.service;

import io.pipefarm.coordinator.campaign.CampaignRequest;
import io.pipefarm.coordinator.campaign.CampaignSpecs;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.SegmentStore;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.model.graph.Graph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Turns a {@link CampaignRequest} into stored segments and queued jobs (DESIGN.md §4 step 2): each
 * model is built or read, segmented at the requested cuts, every segment blob stored once by key,
 * and one job enqueued per (segment, device kind) that needs a profile.
 */
public final class CampaignPlanner {

    /** Resolves a model reference to its graph; throws IllegalArgumentException for unknown ones. */
    @FunctionalInterface
    public interface ModelResolver {
        Graph resolve(String reference);
    }

    /** Writes segment [i, j) of a graph as standalone .tflite bytes. */
    @FunctionalInterface
    public interface SegmentWriter {
        byte[] write(Graph graph, int i, int j);
    }

    /** Most segments one campaign may ask for (all O(n^2) segments of a big model are many). */
    public static final int MAX_SEGMENTS = 50_000;

    private final FarmStore store;
    private final ModelResolver models;
    private final SegmentWriter writer;
    private final Set<String> builtInKinds;

    public CampaignPlanner(FarmStore store, ModelResolver models, SegmentWriter writer, Set<String> builtInKinds) {
        this.store = store;
        this.models = models;
        this.writer = writer;
        this.builtInKinds = Set.copyOf(builtInKinds);
    }

    /** Validates everything first, then stores segments and creates the campaign. */
    public CampaignStore.Created plan(CampaignRequest req) {
        if (req.name() == null || req.name().isBlank()) throw StoreException.badInput("a campaign needs a name");
        if (req.models() == null || req.models().isEmpty())
            throw StoreException.badInput("campaign '" + req.name() + "' names no models");
        if (req.kinds() == null || req.kinds().isEmpty())
            throw StoreException.badInput("campaign '" + req.name() + "' names no device kinds");
        Set<String> known = new TreeSet<>(builtInKinds);
        known.addAll(store.agents().deviceKinds());
        for (String k : req.kinds()) {
            if (!known.contains(k))
                throw StoreException.badInput(
                        "unknown device kind '" + k + "'; known kinds: " + String.join(", ", known));
        }
        List<Graph> graphs = new ArrayList<>();
        List<List<int[]>> ranges = new ArrayList<>();
        long total = 0;
        for (String ref : req.models()) {
            Graph g;
            try {
                g = models.resolve(ref);
            } catch (IllegalArgumentException e) {
                throw StoreException.badInput("model '" + abbreviate(ref) + "': " + e.getMessage());
            }
            List<int[]> r = segmentsOf(g, req.cuts());
            total += r.size();
            if (total > MAX_SEGMENTS) {
                throw StoreException.badInput("campaign '" + req.name() + "' would profile more than " + MAX_SEGMENTS
                        + " segments; choose given or random cuts instead of all");
            }
            graphs.add(g);
            ranges.add(r);
        }
        long now = System.currentTimeMillis();
        Set<String> keys = new LinkedHashSet<>();
        for (int m = 0; m < graphs.size(); m++) {
            Graph g = graphs.get(m);
            // The full reference, so that the model can be rebuilt from the store (e.g. to train on it).
            String ref = req.models().get(m);
            String source = ref.length() <= 1024 ? ref : abbreviate(ref);
            // Known by content: the whole model's canonical bytes, whatever name its file gives it.
            String content = SegmentStore.keyOf(writer.write(g, 0, g.size()));
            long modelId = store.models().register(g.name(), source, g.size(), content, now);
            // Stored in batches of bounded bytes: one durable commit per batch, not per segment.
            List<SegmentStore.NewSegment> batch = new ArrayList<>();
            long batchBytes = 0;
            for (int[] r : ranges.get(m)) {
                byte[] bytes = writer.write(g, r[0], r[1]);
                String key = SegmentStore.keyOf(bytes);
                batch.add(new SegmentStore.NewSegment(key, bytes, modelId, r[0], r[1], null));
                batchBytes += bytes.length;
                keys.add(key);
                if (batch.size() >= 1000 || batchBytes >= 64L << 20) {
                    store.segments().putAll(batch, now);
                    batch.clear();
                    batchBytes = 0;
                }
            }
            if (!batch.isEmpty()) store.segments().putAll(batch, now);
        }
        return store.campaigns()
                .create(
                        req.name(),
                        CampaignSpecs.toJson(req),
                        keys,
                        req.kinds(),
                        req.reprofile(),
                        req.maxAttempts() > 0 ? req.maxAttempts() : 3,
                        now);
    }

    /** The [i, j) ranges a cut choice gives for a graph of n ops; validates given cuts. */
    public static List<int[]> segmentsOf(Graph g, CampaignRequest.Cuts cuts) {
        int n = g.size();
        List<int[]> out = new ArrayList<>();
        if (cuts instanceof CampaignRequest.Cuts.All) {
            for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) out.add(new int[] {i, j});
        } else if (cuts instanceof CampaignRequest.Cuts.Given giv) {
            int[] c = giv.cuts();
            if (c.length == 0)
                throw StoreException.badInput("the cut set is empty: give at least one cut in 1.." + (n - 1));
            int prev = 0;
            for (int x : c) {
                if (x <= 0 || x >= n)
                    throw StoreException.badInput("cut " + x + " is out of range: " + g.name() + " has " + n
                            + " ops, cuts must be 1.." + (n - 1));
                if (x <= prev)
                    throw StoreException.badInput(
                            "cuts must be strictly increasing without duplicates: " + Arrays.toString(c));
                out.add(new int[] {prev, x});
                prev = x;
            }
            out.add(new int[] {prev, n});
        } else if (cuts instanceof CampaignRequest.Cuts.Ranges rs) {
            if (rs.ranges().length == 0) throw StoreException.badInput("the segment list is empty");
            for (int[] r : rs.ranges()) {
                if (r.length != 2 || r[0] < 0 || r[1] > n || r[0] >= r[1]) {
                    throw StoreException.badInput("segment " + Arrays.toString(r)
                            + " is not a range [i, j) with 0 <= i < j <= " + n + " of " + g.name());
                }
                out.add(new int[] {r[0], r[1]});
            }
        } else if (cuts instanceof CampaignRequest.Cuts.Random r) {
            if (r.count() <= 0) throw StoreException.badInput("random cuts need count >= 1");
            if (r.stages() < 2 || r.stages() > n)
                throw StoreException.badInput("random cuts need 2 <= stages <= " + n + " for " + g.name());
            SplittableRandom rnd = new SplittableRandom(r.seed() ^ g.name().hashCode());
            Set<String> seen = new HashSet<>();
            for (int s = 0; s < r.count(); s++) {
                TreeSet<Integer> cs = new TreeSet<>();
                while (cs.size() < r.stages() - 1) cs.add(1 + rnd.nextInt(n - 1));
                int prev = 0;
                for (int x : cs) {
                    if (seen.add(prev + ":" + x)) out.add(new int[] {prev, x});
                    prev = x;
                }
                if (seen.add(prev + ":" + n)) out.add(new int[] {prev, n});
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
