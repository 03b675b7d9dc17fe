package io.pipefarm.model.zoo;

/**
 * What batch-norm folding did to a zoo model's parameter count, so that the published (framework)
 * count can be reproduced exactly from the folded int8 graph.
 *
 * <p>A convolution without bias followed by batch norm becomes an int8 convolution with a bias: the
 * folded graph has {@code cout} bias values the original did not have ({@link #biasesAddedByFolding}),
 * and loses the BN parameters (2 trainable gamma/beta and 2 non-trainable moving mean/variance per
 * channel). A batch norm that cannot fold into a neighbouring convolution (DenseNet's pre-activation
 * BN) becomes a per-channel MUL and ADD whose constants {@link io.pipefarm.model.graph.OpCost#paramCount}
 * does not count ({@link #standaloneBnChannels}).
 *
 * @param foldedBnChannels channels of batch norms folded into a convolution
 * @param standaloneBnChannels channels of batch norms expressed as per-channel MUL + ADD
 * @param biasesAddedByFolding bias values that exist only because a BN was folded into a bias-free conv
 */
public record BnLedger(long foldedBnChannels, long standaloneBnChannels, long biasesAddedByFolding) {

    public long bnChannels() {
        return foldedBnChannels + standaloneBnChannels;
    }

    /**
     * The framework's parameter count of the original (unfolded) network, given the folded graph's
     * {@code OpCost.totalParamCount} and how many parameters a framework counts per BN channel
     * (4 for Keras "total params", 2 for trainable-only counts such as PyTorch's {@code parameters()}).
     */
    public long unfoldedCount(long foldedParamCount, int bnParamsPerChannel) {
        return foldedParamCount - biasesAddedByFolding + (long) bnParamsPerChannel * bnChannels();
    }
}
