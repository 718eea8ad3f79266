package io.hlsfleet.download;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Stage;
import io.hlsfleet.storage.StagingArea;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * Makes the download stage from the settings, for the download worker and {@code hlsfleet run}
 * alike, so both read the same setting names with the same defaults.
 */
public final class DownloadStageFactory {

    private DownloadStageFactory() {
    }

    /**
     * @param allowLocalFiles whether sources may be local paths (only {@code hlsfleet run})
     * @param moreAllowedNetworks networks opened to the SSRF guard besides
     *        {@code HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS} ({@code --allow-network} of {@code hlsfleet run})
     */
    public static WorkerStage create(StagingArea staging, Settings settings, MeterRegistry registry,
            boolean allowLocalFiles, List<String> moreAllowedNetworks) {
        DownloadSettings download = DownloadSettings.from(settings, allowLocalFiles)
                .withAllowedNetworks(moreAllowedNetworks);
        return new WorkerStage(Stage.DOWNLOAD, new DownloadStage(staging, download, registry));
    }
}
