package io.pipefarm.cli.models;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.model.zoo.ModelInfo;
import io.pipefarm.model.zoo.ModelZoo;
import picocli.CommandLine.Command;

/** {@code pipefarm models list}. */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = {
            "List the zoo models: input, parameters, MACs, op count.",
            "Also buildable: fc:INPUTS,WIDTH,DEPTH and NASBench-101 cells (models export --fc / --nasbench-spec)."
        })
public final class ListModelsCommand extends BaseCommand {
    @Override
    protected int run() {
        if (json) {
            ArrayNode a = Json.array();
            for (ModelInfo i : ModelZoo.infos()) {
                ObjectNode o = a.addObject();
                o.put("name", i.name());
                o.put("title", i.title());
                ArrayNode in = o.putArray("input");
                for (int d : i.input()) in.add(d);
                o.put("classes", i.classes());
                o.put("params", i.params());
                o.put("publishedParams", i.publishedParams());
                o.put("publishedSource", i.publishedSource());
                o.put("macs", i.macs());
                o.put("ops", i.ops());
            }
            printJson(a);
            return 0;
        }
        Table t = new Table("name", "input", "params", "MACs", "ops", "description");
        for (ModelInfo i : ModelZoo.infos()) {
            t.row(
                    i.name(),
                    i.inputString(),
                    Table.fixed(i.params() / 1e6, 2) + "M",
                    Table.fixed(i.macs() / 1e9, 3) + "G",
                    i.ops(),
                    i.title());
        }
        t.print(out());
        out().println("also: fc:INPUTS,WIDTH,DEPTH (fully connected) and NASBench-101 cells (--nasbench-spec)");
        return 0;
    }
}
