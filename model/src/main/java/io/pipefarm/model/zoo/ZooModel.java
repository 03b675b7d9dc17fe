package io.pipefarm.model.zoo;

import io.pipefarm.model.graph.Graph;

/** A built zoo graph together with the batch-norm folding ledger that explains its parameter count. */
public record ZooModel(Graph graph, BnLedger ledger) {}
