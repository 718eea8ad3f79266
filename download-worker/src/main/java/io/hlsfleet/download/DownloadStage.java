package io.hlsfleet.download;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.StageHandler;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The download stage: fetches a job's source into scratch space and stores it in staging under a
 * key derived from the job id, so a second run overwrites the first.
 */
public final class DownloadStage implements StageHandler {

    private final StagingArea staging;
    private final HttpDownloader http;
    private final DownloadSettings settings;

    public DownloadStage(StagingArea staging, DownloadSettings settings) {
        this.staging = staging;
        this.settings = settings;
        this.http = new HttpDownloader(settings);
    }

    @Override
    public StageOutputs process(Job job, JobContext context) throws Exception {
        Path scratch = staging.newScratch(job.jobId());
        try {
            Path file = scratch.resolve("source");
            long bytes = fetch(job.sourceUrl(), file, context);
            context.bytes("in", bytes);
            String key = StagingKeys.source(job);
            staging.store(key, file);
            return job.outputs().withSource(key, bytes);
        } finally {
            staging.deleteScratch(scratch);
        }
    }

    private long fetch(String source, Path target, JobContext context) throws JobFailure, InterruptedException,
            IOException {
        URI uri = parse(source);
        if (uri != null && uri.getScheme() != null && uri.getScheme().length() > 1) {
            return http.download(uri, target, context);
        }
        if (!settings.allowLocalFiles()) {
            throw JobFailure.permanent("'" + source + "' is not an http(s) URL; local paths are accepted only by hlsfleet run");
        }
        Path local = Path.of(source);
        if (!Files.isRegularFile(local) || !Files.isReadable(local)) {
            throw JobFailure.permanent("cannot read local file " + source);
        }
        Files.copy(local, target);
        return Files.size(target);
    }

    private static URI parse(String source) {
        try {
            return new URI(source);
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    @Override
    public void discard(Job job) {
        try {
            staging.delete(StagingKeys.jobPrefix(job));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
