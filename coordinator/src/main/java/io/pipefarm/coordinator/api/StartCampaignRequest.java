package io.pipefarm.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code POST /api/campaigns}: profile segments of {@code models} on device kinds {@code kinds}.
 * Null fields take the server's defaults (a generated name, every segment, {@link ProfileSettings}
 * defaults, no re-profiling, 3 attempts).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StartCampaignRequest(
        String name,
        List<String> models,
        List<String> kinds,
        CampaignCuts cuts,
        ProfileSettings spec,
        Boolean reprofile,
        Integer maxAttempts) {
    public StartCampaignRequest {
        models = models == null ? null : Copies.list(models);
        kinds = kinds == null ? null : Copies.list(kinds);
    }
}
