package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.ParentCommand;
import picocli.CommandLine.Command;

/** {@code pipefarm campaign}. */
@Command(
        name = "campaign",
        mixinStandardHelpOptions = true,
        description = "Profiling campaigns on the farm: start, status, pause, resume, cancel.",
        subcommands = {
            StartCampaignCommand.class,
            CampaignStatusCommand.class,
            CampaignActionCommand.Pause.class,
            CampaignActionCommand.Resume.class,
            CampaignActionCommand.Cancel.class
        })
public final class CampaignCommand extends ParentCommand {}
