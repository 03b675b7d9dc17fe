package io.pipefarm.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.ui.Table;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pipefarm agents}. */
@Command(name = "agents", mixinStandardHelpOptions = true, description = "List the farm's agents and their devices.")
public final class AgentsCommand extends BaseCommand {
    @Mixin
    RemoteOptions remote;

    @Override
    protected int run() {
        JsonNode agents = remote.client().agents();
        if (json) {
            printJson(agents);
            return 0;
        }
        if (agents.isEmpty()) {
            out().println("no agents have joined (start one with `pipefarm agent` or run `pipefarm demo`)");
            return 0;
        }
        long now = System.currentTimeMillis();
        Table a = new Table("agent", "address", "state", "last seen", "devices");
        Table d = new Table("agent", "device", "kind", "runtime", "versions");
        int devices = 0;
        for (JsonNode ag : agents) {
            long seen = ag.path("lastSeenMs").asLong(0);
            a.row(ag.path("id").asText(), ag.path("address").asText(), ag.path("state").asText().toLowerCase(java.util.Locale.ROOT),
                    seen <= 0 ? "-" : ago(now - seen), ag.path("devices").size());
            for (JsonNode dev : ag.path("devices")) {
                devices++;
                d.row(ag.path("id").asText(), dev.path("id").asText(), dev.path("kind").asText(), dev.path("runtime").asText(),
                        versions(dev.path("versions")));
            }
        }
        a.print(out());
        if (devices > 0) {
            out().println();
            d.print(out());
        }
        out().printf("%d agent%s, %d device%s%n", agents.size(), agents.size() == 1 ? "" : "s", devices, devices == 1 ? "" : "s");
        return 0;
    }

    static String ago(long ms) {
        if (ms < 0) ms = 0;
        if (ms < 1000) return "just now";
        return Table.duration(ms / 1000.0) + " ago";
    }

    private static String versions(JsonNode v) {
        StringBuilder sb = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            sb.append(sb.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(e.getValue().asText());
        }
        String s = sb.toString();
        return s.isEmpty() ? "-" : s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
