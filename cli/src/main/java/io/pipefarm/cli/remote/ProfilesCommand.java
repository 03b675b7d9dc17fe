package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.api.ProfileRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pipefarm profiles}. */
@Command(
        name = "profiles",
        mixinStandardHelpOptions = true,
        description = "List stored profiles (latencies in ms), newest first as the coordinator returns them.")
public final class ProfilesCommand extends BaseCommand {
    @Mixin
    RemoteOptions remote;

    @Option(names = "--model", paramLabel = "M", description = "only segments of this model")
    String model;

    @Option(names = "--kind", paramLabel = "K", description = "only this device kind")
    String kind;

    @Option(names = "--segment", paramLabel = "KEY", description = "only this segment key")
    String segment;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "100",
            description = "at most N profiles (0 = all; default ${DEFAULT-VALUE})")
    int limit;

    @Override
    protected int run() {
        if (limit < 0) throw CliException.usage("--limit must be >= 0");
        Map<String, String> q = new LinkedHashMap<>();
        q.put("model", model);
        q.put("kind", kind);
        q.put("segment", segment);
        q.put("limit", Integer.toString(limit));
        List<ProfileRecord> list = remote.client().profiles(q);
        if (json) {
            printJson(list);
            return 0;
        }
        if (list.isEmpty()) {
            out().println("no profiles" + (model != null || kind != null || segment != null ? " match" : " yet"));
            return 0;
        }
        table(list).print(out());
        out().printf(
                        "%d profile%s%s%n",
                        list.size(),
                        list.size() == 1 ? "" : "s",
                        limit > 0 && list.size() >= limit ? " (limit reached; --limit 0 for all)" : "");
        return 0;
    }

    /** The profiles as a table, latencies in ms. */
    public static Table table(List<ProfileRecord> profiles) {
        Table t = new Table(
                "id",
                "segment",
                "kind",
                "device",
                "n",
                "mean ms",
                "median ms",
                "p90 ms",
                "p99 ms",
                "stdev ms",
                "min ms",
                "created");
        for (ProfileRecord p : profiles) {
            ProfileRecord.Stats s = p.stats();
            String key = p.segmentKey();
            t.row(
                    p.id(),
                    key.length() > 12 ? key.substring(0, 12) : key,
                    p.deviceKind(),
                    p.deviceId(),
                    s.n(),
                    ms(s.meanNs()),
                    ms(s.medianNs()),
                    ms(s.p90Ns()),
                    ms(s.p99Ns()),
                    ms(s.stdevNs()),
                    ms(s.minNs()),
                    CampaignView.time(p.createdEpochMs()));
        }
        return t;
    }

    private static String ms(double ns) {
        return Table.fixed(ns / 1e6, 3);
    }
}
