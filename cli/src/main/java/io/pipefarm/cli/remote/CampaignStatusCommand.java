package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.api.CampaignStatus;
import io.pipefarm.coordinator.api.JobRecord;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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

    @Option(names = "--errors", description = "also list the campaign's failed jobs with their last error (needs ID)")
    boolean errors;

    /** What {@code --json --errors} prints: the status and the failed jobs. */
    public record WithErrors(CampaignStatus status, List<JobRecord> failed) {}

    @Override
    protected int run() {
        FarmClient client = remote.client();
        if (errors && id == null) throw CliException.usage("--errors lists one campaign's failed jobs: give its ID");
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
        List<JobRecord> failed = errors ? client.jobs(id, "failed") : List.of();
        if (json) {
            if (errors) printJson(new WithErrors(s, failed));
            else printJson(s);
            return 0;
        }
        CampaignView.print(out(), s);
        if (errors) {
            if (failed.isEmpty()) {
                out().println("no failed jobs");
            } else {
                Table t = new Table("job", "kind", "segment", "attempts", "lost leases", "error", "message");
                for (JobRecord j : failed) {
                    t.row(
                            j.id(),
                            j.deviceKind(),
                            j.segmentKey().substring(0, 12),
                            j.attempts(),
                            j.lostLeases(),
                            j.lastErrorKind(),
                            j.lastErrorMessage());
                }
                t.print(out());
            }
        }
        return 0;
    }
}
