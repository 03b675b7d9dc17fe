package io.pipefarm.model.zoo;

import java.util.Locale;

/**
 * What {@code pipefarm models list} shows about a zoo model: its input, the published parameter count
 * it is checked against, and our int8 graph's figures (pinned by tests).
 *
 * @param name stable zoo name
 * @param title human-readable name and variant
 * @param input input tensor shape (NHWC, batch 1)
 * @param classes classifier outputs of our graph
 * @param publishedParams the published parameter count of the original network
 * @param publishedSource where that count comes from and how it counts BN and classes
 * @param params our BN-folded graph's weights + biases ({@code OpCost.totalParamCount})
 * @param macs our graph's multiply-accumulates ({@code OpCost.totalMacs})
 * @param ops our graph's op count
 */
public record ModelInfo(
        String name,
        String title,
        int[] input,
        int classes,
        long publishedParams,
        String publishedSource,
        long params,
        long macs,
        int ops) {

    public ModelInfo {
        input = input.clone();
    }

    @Override
    public int[] input() {
        return input.clone();
    }

    public String inputString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < input.length; i++) sb.append(i == 0 ? "" : "x").append(input[i]);
        return sb.toString();
    }

    /** One line: name, input, params, MACs, ops, title. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%-24s %-12s %6.2fM params %7.3f GMACs %4d ops  %s",
                name,
                inputString(),
                params / 1e6,
                macs / 1e9,
                ops,
                title);
    }
}
