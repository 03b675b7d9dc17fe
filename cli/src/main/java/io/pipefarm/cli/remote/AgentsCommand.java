package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.api.AgentInfo;
import java.util.List;
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
        List<AgentInfo> agents = remote.client().agents();
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
        for (AgentInfo ag : agents) {
            long seen = ag.lastSeenEpochMs();
            a.row(
                    ag.id(),
                    ag.address(),
                    ag.state(),
                    seen <= 0 ? "-" : ago(now - seen),
                    ag.devices().size());
            for (AgentInfo.DeviceInfo dev : ag.devices()) {
                devices++;
                d.row(ag.id(), dev.id(), dev.kind(), dev.runtime(), versions(dev.versions()));
            }
        }
        a.print(out());
        if (devices > 0) {
            out().println();
            d.print(out());
        }
        out().printf(
                        "%d agent%s, %d device%s%n",
                        agents.size(), agents.size() == 1 ? "" : "s", devices, devices == 1 ? "" : "s");
        return 0;
    }

    static String ago(long ms) {
        if (ms < 0) ms = 0;
        if (ms < 1000) return "just now";
        return Table.duration(ms / 1000.0) + " ago";
    }

    private static String versions(Map<String, String> v) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : v.entrySet()) {
            sb.append(sb.length() == 0 ? "" : " ")
                    .append(e.getKey())
                    .append('=')
                    .append(e.getValue());
        }
        String s = sb.toString();
        return s.isEmpty() ? "-" : s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
