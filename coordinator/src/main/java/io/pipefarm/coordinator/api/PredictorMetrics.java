package io.pipefarm.coordinator.api;

/** Accuracy of predicted latencies: {@code mape} in percent, {@code rmse_ns} in ns, {@code acc10} the fraction within +-10%. */
public record PredictorMetrics(int n, double mape, double rmseNs, double acc10, double spearman) {}
