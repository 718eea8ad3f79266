package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Staging keys of what earlier stages produced. Keys are relative to the staging area, made from
 * the job id and the attempt that wrote them ({@link StagingKeys}), never from user input.
 *
 * @param source the downloaded source file, set by the download stage
 * @param ladder the folder holding the encoded ladder, set by the encode stage
 * @param sourceBytes size of the downloaded source
 * @param durationSeconds duration of the source as probed by the encode stage
 * @param page what the download stage found when the URL named a web page rather than a media file
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds,
        SourcePage page) {

    public static final StageOutputs NONE = new StageOutputs(null, null, null, null, null);

    public StageOutputs withSource(String key, long bytes) {
        return new StageOutputs(key, ladder, bytes, durationSeconds, page);
    }

    public StageOutputs withLadder(String key, double seconds) {
        return new StageOutputs(source, key, sourceBytes, seconds, page);
    }

    public StageOutputs withPage(SourcePage resolved) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, resolved);
    }
}
