package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.models.ModelRefs;
import io.pipefarm.cli.ui.ProgressBar;
import io.pipefarm.coordinator.api.CampaignCuts;
import io.pipefarm.coordinator.api.CampaignStatus;
import io.pipefarm.coordinator.api.ProfileSettings;
import io.pipefarm.coordinator.api.StartCampaignReply;
import io.pipefarm.coordinator.api.StartCampaignRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pipefarm campaign start}. */
@Command(
        name = "start",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Start a campaign: profile segments of the models on the device kinds.",
            "Segments: --cuts all (every contiguous segment), --cuts 12,40 (that segmentation), or",
            "--random N --stages S --seed X (N random S-stage segmentations). Default: all."
        })
public final class StartCampaignCommand extends BaseCommand {
    @Mixin
    RemoteOptions remote;

    @Option(names = "--name", paramLabel = "NAME", description = "campaign name (default: chosen by the coordinator)")
    String name;

    @Option(
            names = "--models",
            required = true,
            paramLabel = "M1,M2,...",
            description = "zoo names, fc:INPUTS,WIDTH,DEPTH or nasbench:{...}; comma-separated or repeated")
    List<String> models;

    @Option(
            names = "--kinds",
            required = true,
            paramLabel = "K1,K2,...",
            description = "device kinds, e.g. sim-edgetpu-usb,cpu-x86_64-t1; comma-separated or repeated")
    List<String> kinds;

    @Option(
            names = "--cuts",
            paramLabel = "all|C1,C2,...",
            description = "'all' or the cut positions of one segmentation")
    String cuts;

    @Option(names = "--random", paramLabel = "N", description = "profile N random segmentations")
    Integer random;

    @Option(names = "--stages", paramLabel = "S", description = "stages of each random segmentation (default 3)")
    Integer stages;

    @Option(names = "--seed", paramLabel = "X", description = "seed of the random segmentations (default 1)")
    Long seed;

    @Option(
            names = "--warmup",
            paramLabel = "N",
            defaultValue = "1",
            description = "untimed runs first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(
            names = "--runs",
            paramLabel = "N",
            defaultValue = "10",
            description = "timed runs (default ${DEFAULT-VALUE})")
    int runs;

    @Option(
            names = "--target-rel-error",
            paramLabel = "E",
            defaultValue = "0",
            description = "keep timing until stdev/sqrt(n)/mean <= E (0 = exactly --runs; default ${DEFAULT-VALUE})")
    double targetRelError;

    @Option(
            names = "--budget-ms",
            paramLabel = "MS",
            defaultValue = "60000",
            description = "time budget per job (default ${DEFAULT-VALUE})")
    long budgetMs;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "1",
            description = "interpreter threads on CPUs (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--reprofile", description = "profile again even where fresh profiles exist")
    boolean reprofile;

    @Option(
            names = "--max-attempts",
            paramLabel = "N",
            defaultValue = "3",
            description = "attempts per job before it fails (default ${DEFAULT-VALUE})")
    int maxAttempts;

    @Option(names = "--wait", description = "show progress until the campaign is done or cancelled")
    boolean await;

    @Option(
            names = "--interval-ms",
            paramLabel = "MS",
            defaultValue = "1000",
            description = "poll interval with --wait (default ${DEFAULT-VALUE})")
    long intervalMs;

    /** The request body (validated); public for tests and for commands that start campaigns themselves. */
    public StartCampaignRequest body() {
        List<String> ms = new ArrayList<>();
        for (String m : models) ms.addAll(ModelRefs.splitList(m));
        List<String> ks = new ArrayList<>();
        for (String k : kinds) for (String x : k.split(",")) if (!x.isBlank()) ks.add(x.trim());
        if (ms.isEmpty()) throw CliException.usage("--models: give at least one model");
        if (ks.isEmpty()) throw CliException.usage("--kinds: give at least one device kind");
        if (warmup < 0) throw CliException.usage("--warmup must be >= 0");
        if (runs < 1) throw CliException.usage("--runs must be >= 1");
        if (!(targetRelError >= 0) || Double.isInfinite(targetRelError))
            throw CliException.usage("--target-rel-error must be >= 0");
        if (budgetMs < 0) throw CliException.usage("--budget-ms must be >= 0");
        if (threads < 0) throw CliException.usage("--threads must be >= 0");
        if (maxAttempts < 1) throw CliException.usage("--max-attempts must be >= 1");
        if (intervalMs < 10) throw CliException.usage("--interval-ms must be >= 10");
        if (name != null && name.isBlank()) throw CliException.usage("--name must not be blank");
        CampaignCuts c;
        if (random != null) {
            if (cuts != null) throw CliException.usage("give either --cuts or --random, not both");
            if (random < 1) throw CliException.usage("--random must be >= 1");
            int s = stages == null ? 3 : stages;
            if (s < 1) throw CliException.usage("--stages must be >= 1");
            c = CampaignCuts.random(random, s, seed == null ? 1L : seed);
        } else {
            if (stages != null || seed != null) throw CliException.usage("--stages and --seed go with --random");
            if (cuts == null || cuts.trim().equalsIgnoreCase("all")) {
                c = CampaignCuts.all();
            } else {
                int[] cs = ModelRefs.parseCuts(cuts, "--cuts");
                if (cs.length == 0) throw CliException.usage("--cuts: give 'all' or cut positions like 12,40");
                for (int i = 0; i < cs.length; i++) {
                    if (cs[i] <= 0)
                        throw CliException.usage(
                                "--cuts: cut " + cs[i] + " is out of range: cuts are op positions >= 1");
                    if (i > 0 && cs[i] <= cs[i - 1])
                        throw CliException.usage("--cuts: cuts must be strictly increasing, got " + cuts.trim());
                }
                c = CampaignCuts.given(cs);
            }
        }
        ProfileSettings spec = new ProfileSettings(warmup, runs, targetRelError, null, budgetMs, threads, null);
        return new StartCampaignRequest(name, ms, ks, c, spec, reprofile, maxAttempts);
    }

    @Override
    protected int run() throws Exception {
        StartCampaignRequest body = body();
        FarmClient client = remote.client();
        StartCampaignReply created = client.startCampaign(body);
        long id = created.campaignId();
        if (!await) {
            if (json) {
                printJson(created);
            } else {
                printCreated(created);
                out().println("follow it with: pipefarm campaign status " + id + "   (or start it with --wait)");
            }
            return 0;
        }
        if (!json) printCreated(created);
        boolean live = !json && ProgressBar.stdoutIsTerminal();
        CampaignStatus last = CampaignView.waitFor(client, id, json ? err() : out(), live, intervalMs);
        if (json) {
            printJson(new StartCampaignReply(
                    created.campaignId(),
                    created.jobsEnqueued(),
                    created.skippedProfiled(),
                    created.skippedInFlight(),
                    last));
        } else {
            out().println(CampaignView.summary(last));
        }
        return "cancelled".equals(last.state()) ? CliException.FAILURE : 0;
    }

    private void printCreated(StartCampaignReply created) {
        CampaignStatus status = created.status();
        out().printf(
                        "campaign %d \"%s\" created: %d jobs enqueued, %d skipped (already profiled), %d skipped (in flight); %s%n",
                        created.campaignId(),
                        status == null ? (name == null ? "" : name) : status.name(),
                        created.jobsEnqueued(),
                        created.skippedProfiled(),
                        created.skippedInFlight(),
                        status == null ? "?" : status.state());
        out().flush();
    }
}
