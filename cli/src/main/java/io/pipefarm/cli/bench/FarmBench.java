package io.pipefarm.cli.bench;

import io.pipefarm.bench.FarmExperiment;
import io.pipefarm.bench.FarmExperiment.Phase;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.farm.FarmLogs;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipefarm bench farm}: runs {@link FarmExperiment} and prints a table or one line of JSON. */
@Command(
        name = "farm",
        mixinStandardHelpOptions = true,
        description = "Farm overhead with 64 devices: jobs/s when runs take 0 ms, utilisation when runs take 20 ms.")
public final class FarmBench extends BaseCommand {
    @Option(names = "--devices", defaultValue = "64", description = "devices in all (default ${DEFAULT-VALUE})")
    int devices;

    @Option(
            names = "--agents",
            defaultValue = "2",
            description = "agent nodes sharing the devices (default ${DEFAULT-VALUE})")
    int agents;

    @Option(
            names = "--depth",
            defaultValue = "60",
            description = "depth of the fc:16,16,DEPTH model of phase 1 (all its segments are jobs)")
    int depth;

    @Option(
            names = "--depth-20ms",
            defaultValue = "60",
            description =
                    "depth of the model of phase 2 (the same campaign size as phase 1, so that ramp-up and tail weigh little)")
    int depth20;

    @Override
    protected int run() throws Exception {
        FarmLogs.quiet();
        FarmExperiment.Result r = FarmExperiment.run(new FarmExperiment.Options(
                devices, agents, depth, depth20, Files.createTempDirectory("pipefarm-bench-farm")));
        Phase p0 = r.zeroMs(), p20 = r.twentyMs();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("devices", r.devices());
            o.put("agents", r.agents());
            o.put("jobs", p0.total());
            o.put("seconds", p0.seconds());
            o.put("jobs_per_s", p0.jobsPerSecond());
            o.put("jobs_20ms", p20.total());
            o.put("seconds_20ms", p20.seconds());
            o.put("utilisation", r.utilisation());
            o.put("failed", r.failed());
            out().println(Json.compact(o));
            return 0;
        }
        Table t = new Table("phase", "devices", "jobs", "wall s", "jobs/s", "utilisation", "target");
        t.row(
                "runs take 0 ms",
                r.devices(),
                p0.total(),
                fmt(p0.seconds()),
                fmt(p0.jobsPerSecond()),
                "-",
                ">= 2000 jobs/s");
        t.row(
                "runs take 20 ms (5 per job)",
                r.devices(),
                p20.total(),
                fmt(p20.seconds()),
                fmt(p20.jobsPerSecond()),
                String.format(Locale.ROOT, "%.1f%%", 100 * r.utilisation()),
                ">= 95%");
        t.print(out());
        return 0;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }
}
