package io.pipefarm.cli.farm;

import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.device.SimulatedEdgeTpuRuntime;
import io.pipefarm.agent.device.TfliteCpuRuntime;
import io.pipefarm.agent.service.AgentNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.partition.PartitionFetchCommand;
import io.pipefarm.cli.remote.FarmClient;
import io.pipefarm.cli.ui.ProgressBar;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.CampaignCuts;
import io.pipefarm.coordinator.api.PartitionSearchRequest;
import io.pipefarm.coordinator.api.PartitionSummary;
import io.pipefarm.coordinator.api.PredictorMetrics;
import io.pipefarm.coordinator.api.ProfileSettings;
import io.pipefarm.coordinator.api.StartCampaignReply;
import io.pipefarm.coordinator.api.StartCampaignRequest;
import io.pipefarm.coordinator.api.TrainPredictorRequest;
import io.pipefarm.coordinator.api.TrainingJob;
import io.pipefarm.coordinator.api.TrainingOutcome;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.coordinator.store.AgentStore;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.Database;
import io.pipefarm.coordinator.store.JobState;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.model.zoo.CellSpecJson;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipefarm demo}: the whole loop that exists so far, in one process. A coordinator with an
 * embedded H2 store under {@code ./pipefarm-data}, an agent with 4 simulated Edge TPUs and an agent
 * with the real TFLite CPU runtime join one loopback cluster; a campaign over a few zoo models runs
 * with a live progress bar; a summary table shows what was measured. Then a second campaign profiles
 * NASBench-101 cells, a latency predictor is trained from the stored profiles, and a hybrid partition
 * search splits a model over simulated Edge TPUs, verifying its best candidates on the farm's devices;
 * the partition is printed and written out.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Run a coordinator, 4 simulated Edge TPUs and a CPU agent in one process and profile a few zoo models.")
public final class DemoCommand extends BaseCommand {
    @Option(names = "--data", defaultValue = "pipefarm-data", description = "data directory (default ${DEFAULT-VALUE})")
    Path data;

    @Option(
            names = "--models",
            split = ",",
            defaultValue = "mobilenet_v1,mobilenet_v2,efficientnet_edgetpu_s,inception_v1",
            description = "models to profile (default ${DEFAULT-VALUE})")
    List<String> models;

    @Option(
            names = "--segmentations",
            defaultValue = "3",
            description = "random 3-stage segmentations per model (default ${DEFAULT-VALUE})")
    int segmentations;

    @Option(
            names = "--http-port",
            defaultValue = "8080",
            description = "HTTP API port, any free one if taken (default ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--no-cpu", description = "leave out the TFLite CPU agent")
    boolean noCpu;

    @Option(
            names = "--nasbench",
            defaultValue = "16",
            description = "NASBench-101 networks profiled to train the predictor (default ${DEFAULT-VALUE})")
    int nasbenchNets;

    @Option(
            names = "--partition",
            defaultValue = "mobilenet_v2",
            description = "model the hybrid partition search splits (default ${DEFAULT-VALUE})")
    String partitionModel;

    @Option(
            names = "--tpus",
            defaultValue = "3",
            description = "simulated Edge TPUs in the pipeline (default ${DEFAULT-VALUE})")
    int tpus;

    @Override
    protected int run() throws Exception {
        PrintWriter out = out();
        FarmLogs.quiet();
        int clusterPort = FarmPorts.isFree(2551) ? 2551 : FarmPorts.free();
        int http = FarmPorts.isFree(httpPort) ? httpPort : 0;
        List<AutoCloseable> nodes = new ArrayList<>();
        try {
            CoordinatorNode coordinator = FarmWiring.startCoordinator(new CoordinatorNode.Settings(
                    "127.0.0.1",
                    clusterPort,
                    http,
                    Database.fileUrl(data.resolve("db")),
                    List.of(),
                    Duration.ofMinutes(5),
                    ConfigFactory.empty()));
            nodes.add(coordinator);
            say(
                    out,
                    "coordinator: cluster 127.0.0.1:" + clusterPort + ", HTTP " + coordinator.httpUrl() + ", store "
                            + data.resolve("db"));
            String seed = "127.0.0.1:" + clusterPort;
            Path cache = data.resolve("blob-cache");
            nodes.add(AgentNode.start(
                    new AgentNode.Settings(
                            "demo-tpu",
                            "127.0.0.1",
                            FarmPorts.free(),
                            List.of(seed),
                            cache.resolve("tpu"),
                            Duration.ofSeconds(20),
                            ConfigFactory.empty()),
                    List.of(new SimulatedEdgeTpuRuntime(
                            List.of("sim-edgetpu-usb", "sim-edgetpu-usb", "sim-edgetpu-usb", "sim-edgetpu-usb"),
                            1.0))));
            List<String> kinds = new ArrayList<>(List.of("sim-edgetpu-usb"));
            int expectedAgents = 1;
            if (!noCpu) {
                TfliteCpuRuntime cpu = new TfliteCpuRuntime();
                if (!cpu.discover().isEmpty()) {
                    kinds.add(cpu.discover().get(0).kind());
                    nodes.add(AgentNode.start(
                            new AgentNode.Settings(
                                    "demo-cpu",
                                    "127.0.0.1",
                                    FarmPorts.free(),
                                    List.of(seed),
                                    cache.resolve("cpu"),
                                    Duration.ofSeconds(20),
                                    ConfigFactory.empty()),
                            List.of(cpu)));
                    expectedAgents++;
                } else {
                    say(out, "no TFLite CPU runtime on this host: profiling on simulated Edge TPUs only");
                }
            }
            awaitAgents(coordinator, expectedAgents, out);
            FarmClient client =
                    new FarmClient(coordinator.httpUrl(), System.getenv(FarmClient.TOKEN_ENV), Duration.ofMinutes(11));
            ProfileSettings spec = new ProfileSettings(1, 10, null, null, null, null, null);
            long id = startCampaign(
                    client,
                    new StartCampaignRequest(
                            "demo-" + System.currentTimeMillis(),
                            models,
                            kinds,
                            CampaignCuts.random(segmentations, 3, 7),
                            spec,
                            true,
                            null),
                    out,
                    models + " on " + kinds);
            CampaignStore.Status s = follow(coordinator, id, out);
            Map<String, Object> summary = printSummary(coordinator, id, s, kinds, out);

            // Training data for the predictor: NASBench-101 cells on the simulated Edge TPUs.
            String tpu = "sim-edgetpu-usb";
            List<String> cells = NasBenchSampler.sample(nasbenchNets, 11).stream()
                    .map(c -> "nasbench:" + CellSpecJson.toJson(c))
                    .toList();
            long id2 = startCampaign(
                    client,
                    new StartCampaignRequest(
                            "demo-nasbench-" + System.currentTimeMillis(),
                            cells,
                            List.of(tpu),
                            CampaignCuts.random(4, 4, 3),
                            spec,
                            null,
                            null),
                    out,
                    cells.size() + " NASBench-101 networks on " + tpu);
            CampaignStore.Status s2 = follow(coordinator, id2, out);

            // Train the latency predictor from what the farm stored (the coordinator holds out whole
            // architectures and serves the new version only if it beats the serving one).
            TrainingJob job =
                    client.post("/api/predictors/train", new TrainPredictorRequest(tpu, 600), TrainingJob.class);
            if (!"done".equals(job.state())) {
                throw new IllegalStateException("predictor training did not finish: "
                        + (job.error() != null ? job.error().message() : job.state()));
            }
            TrainingOutcome trained = job.result();
            PredictorMetrics m = trained.metrics();
            say(
                    out,
                    String.format(
                            "%npredictor %s v%d for %s %s; on %d held-out segments: MAPE %.1f%%, within +-10%%: %.0f%%, Spearman %.3f",
                            trained.family(),
                            trained.version(),
                            tpu,
                            trained.promoted()
                                    ? "trained and now serving"
                                    : "trained (the serving version stays: " + trained.reason() + ")",
                            m.n(),
                            m.mape(),
                            100 * m.acc10(),
                            m.spearman()));

            // Hybrid partition search through the coordinator: predict every candidate, have the farm's
            // devices profile only the few that matter.
            PartitionSummary submitted = client.post(
                    "/api/partitions",
                    new PartitionSearchRequest(partitionModel, tpus, "hybrid", tpu),
                    PartitionSummary.class);
            long pid = submitted.id();
            PartitionSummary done = awaitPartition(client, pid);
            PartitionResult r = Descriptors.result(done.result());
            say(
                    out,
                    String.format(
                            "%nhybrid partition %d of %s over %d x %s: cuts %s, bottleneck %.3f ms (%.0f inferences/s), "
                                    + "end to end %.3f ms; profiled %d segment%s on the farm (the stages that could be the bottleneck;"
                                    + " '-' = ruled out by its prediction)",
                            pid,
                            partitionModel,
                            tpus,
                            tpu,
                            Arrays.toString(r.cuts()),
                            r.bottleneckNs() / 1e6,
                            r.throughputPerSec(),
                            r.endToEndNs() / 1e6,
                            r.cost().segmentsProfiled(),
                            r.cost().segmentsProfiled() == 1 ? "" : "s"));
            if (!json) out.print(DemoLoop.stageTable(r));
            Path outDir = data.resolve("partition-" + partitionModel);
            int fetched = new CommandLine(new PartitionFetchCommand())
                    .setOut(json ? new PrintWriter(OutputStream.nullOutputStream()) : out)
                    .execute(String.valueOf(pid), "--out", outDir.toString(), "--url", coordinator.httpUrl());
            if (fetched != 0) throw new IllegalStateException("could not fetch partition " + pid);
            say(
                    out,
                    "data kept in " + data.toAbsolutePath() + " (profiles in H2; segment blobs stored by SHA-256 key)");
            if (json) {
                summary.put(
                        "training_campaign",
                        Map.of("id", id2, "done", s2.count(JobState.DONE), "failed", s2.count(JobState.FAILED)));
                summary.put("predictor", trained);
                summary.put(
                        "partition",
                        Map.of(
                                "id",
                                pid,
                                "model",
                                partitionModel,
                                "tpus",
                                tpus,
                                "cuts",
                                r.cuts(),
                                "bottleneck_ns",
                                r.bottleneckNs(),
                                "segments_profiled",
                                r.cost().segmentsProfiled(),
                                "dir",
                                outDir.toAbsolutePath().toString()));
                out.println(ApiJson.compact(summary));
            }
            return s.count(JobState.DONE) > 0 ? 0 : 1;
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                try {
                    nodes.get(i).close();
                } catch (Exception ignored) {
                    // shutting down
                }
            }
        }
    }

    private static PartitionSummary awaitPartition(FarmClient client, long id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (true) {
            PartitionSummary st = client.get("/api/partitions/" + id, PartitionSummary.class);
            if (st.state().equals("done")) return st;
            if (st.state().equals("failed"))
                throw new IllegalStateException("partition search " + id + " failed: " + st.error());
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("partition search " + id + " still running after 10 minutes");
            Thread.sleep(200);
        }
    }

    /** Starts a campaign through the HTTP API, as a user would. */
    private long startCampaign(FarmClient client, StartCampaignRequest request, PrintWriter out, String what) {
        StartCampaignReply created = client.startCampaign(request);
        say(
                out,
                "\ncampaign " + created.campaignId() + ": " + created.jobsEnqueued() + " jobs over " + what
                        + (created.skippedProfiled() > 0
                                ? " (" + created.skippedProfiled() + " already profiled)"
                                : ""));
        return created.campaignId();
    }

    private void say(PrintWriter out, String line) {
        if (!json) out.println(line);
    }

    private void awaitAgents(CoordinatorNode c, int n, PrintWriter out) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            List<AgentStore.Agent> up = c.store().agents().list().stream()
                    .filter(a -> a.state() == AgentStore.AgentState.UP
                            && (a.id().equals("demo-tpu") || a.id().equals("demo-cpu")))
                    .toList();
            if (up.size() >= n) {
                for (AgentStore.Agent a : up) {
                    say(
                            out,
                            "agent " + a.id() + " registered: "
                                    + a.devices().stream()
                                            .map(d -> d.id() + "=" + d.kind())
                                            .toList());
                }
                return;
            }
            if (System.nanoTime() > deadline) throw new IllegalStateException("agents did not register within 60 s");
            Thread.sleep(100);
        }
    }

    private CampaignStore.Status follow(CoordinatorNode c, long id, PrintWriter out) throws InterruptedException {
        ProgressBar bar = new ProgressBar(out, "campaign " + id, !json && ProgressBar.stdoutIsTerminal());
        while (true) {
            CampaignStore.Status s =
                    c.store().campaigns().status(id, System.currentTimeMillis(), Duration.ofSeconds(10));
            long done = s.count(JobState.DONE);
            long failed = s.count(JobState.FAILED);
            if (s.open() == 0) {
                if (!json)
                    bar.finish(
                            done,
                            failed,
                            s.total(),
                            s.doneRatePerSec(),
                            s.campaign().state().db());
                return s;
            }
            if (!json) bar.update(done, failed, s.total(), s.doneRatePerSec(), s.etaSeconds());
            Thread.sleep(200);
        }
    }

    private Map<String, Object> printSummary(
            CoordinatorNode c, long id, CampaignStore.Status s, List<String> kinds, PrintWriter out) {
        Table t = new Table("model", "kind", "segments profiled", "median ms per segment (min..max)");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String model : models) {
            var m = c.store().models().byName(FarmWiring.resolve(model).name());
            if (m.isEmpty()) continue;
            for (String kind : kinds) {
                List<ProfileStore.Profile> ps = c.store()
                        .profiles()
                        .list(ProfileStore.Query.all()
                                .model(m.get().id())
                                .kind(kind)
                                .latest());
                if (ps.isEmpty()) continue;
                double lo = Double.MAX_VALUE, hi = 0;
                for (ProfileStore.Profile p : ps) {
                    lo = Math.min(lo, p.stats().medianNs());
                    hi = Math.max(hi, p.stats().medianNs());
                }
                t.row(model, kind, ps.size(), String.format("%.3f..%.3f", lo / 1e6, hi / 1e6));
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("model", model);
                r.put("kind", kind);
                r.put("segments", ps.size());
                r.put("min_median_ms", lo / 1e6);
                r.put("max_median_ms", hi / 1e6);
                rows.add(r);
            }
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("campaign", id);
        o.put("total", s.total());
        o.put("done", s.count(JobState.DONE));
        o.put("failed", s.count(JobState.FAILED));
        o.put("rows", rows);
        if (!json) {
            out.println();
            out.print(t.render());
            out.printf("%d jobs: %d done, %d failed%n", s.total(), s.count(JobState.DONE), s.count(JobState.FAILED));
        }
        return o;
    }
}
