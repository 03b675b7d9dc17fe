package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.coordinator.api.CampaignStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pipefarm campaign pause|resume|cancel ID}. */
public abstract class CampaignActionCommand extends BaseCommand {
    @Mixin
    RemoteOptions remote;

    @Parameters(paramLabel = "ID", description = "campaign id")
    long id;

    abstract String action();

    @Override
    protected int run() {
        CampaignStatus s = remote.client().campaignAction(id, action());
        if (json) printJson(s);
        else CampaignView.print(out(), s);
        return 0;
    }

    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = "Pause a campaign: no new jobs are leased; running jobs finish.")
    public static final class Pause extends CampaignActionCommand {
        @Override
        String action() {
            return "pause";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused campaign.")
    public static final class Resume extends CampaignActionCommand {
        @Override
        String action() {
            return "resume";
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancel a campaign: its open jobs are cancelled.")
    public static final class Cancel extends CampaignActionCommand {
        @Override
        String action() {
            return "cancel";
        }
    }
}
