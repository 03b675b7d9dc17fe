package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.coordinator.api.CampaignStatus;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pipefarm campaign status [ID]}. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show one campaign's progress, or a table of all campaigns.")
public final class CampaignStatusCommand extends BaseCommand {
    @Mixin
    RemoteOptions remote;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "campaign id (default: all campaigns)")
    Long id;

    @Override
    protected int run() {
        FarmClient client = remote.client();
        if (id == null) {
            List<CampaignStatus> all = client.campaigns();
            if (json) {
                printJson(all);
            } else if (all.isEmpty()) {
                out().println("no campaigns yet (start one with `pipefarm campaign start`)");
            } else {
                CampaignView.table(all).print(out());
            }
            return 0;
        }
        CampaignStatus s = client.campaign(id);
        if (json) printJson(s);
        else CampaignView.print(out(), s);
        return 0;
    }
}
