package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Staging keys of what earlier stages produced. Keys are relative to the staging area, made from
 * the job id and the attempt that wrote them ({@link StagingKeys}), never from user input.
 *
 * @param source the downloaded source file, set by the download stage
 * @param ladder the folder holding the encoded ladder, set by the encode stage
 * @param sourceBytes size of the downloaded source
 * @param durationSeconds duration of the source as probed by the encode stage
 * @param page what the download stage found when the URL named a web page rather than a media file
 * @param pictures the poster and storyboard files the encode stage put beside the master playlist,
 *     relative to it (e.g. {@code poster.jpg}, {@code storyboard/thumbnails.vtt}); null when none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds,
        SourcePage page, List<String> pictures) {

    public static final StageOutputs NONE = new StageOutputs(null, null, null, null, null, null);

    public StageOutputs withSource(String key, long bytes) {
        return new StageOutputs(key, ladder, bytes, durationSeconds, page, pictures);
    }

    public StageOutputs withLadder(String key, double seconds) {
        return new StageOutputs(source, key, sourceBytes, seconds, page, pictures);
    }

    public StageOutputs withPage(SourcePage resolved) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, resolved, pictures);
    }

    public StageOutputs withPictures(List<String> names) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page,
                names == null || names.isEmpty() ? null : List.copyOf(names));
    }
}
