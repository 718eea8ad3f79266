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
 * @param renditions the video variants the encode stage wrote, as its master playlist lists them;
 *     null before the encode (and in jobs encoded by older releases)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds,
        SourcePage page, List<String> pictures, List<Rendition> renditions) {

    public static final StageOutputs NONE = new StageOutputs(null, null, null, null, null, null, null);

    /** Outputs without renditions, as written before the encoder listed them. */
    public StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds, SourcePage page,
            List<String> pictures) {
        this(source, ladder, sourceBytes, durationSeconds, page, pictures, null);
    }

    public StageOutputs withSource(String key, long bytes) {
        return new StageOutputs(key, ladder, bytes, durationSeconds, page, pictures, renditions);
    }

    public StageOutputs withLadder(String key, double seconds) {
        return new StageOutputs(source, key, sourceBytes, seconds, page, pictures, renditions);
    }

    public StageOutputs withPage(SourcePage resolved) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, resolved, pictures, renditions);
    }

    public StageOutputs withPictures(List<String> names) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page,
                names == null || names.isEmpty() ? null : List.copyOf(names), renditions);
    }

    public StageOutputs withRenditions(List<Rendition> written) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page, pictures,
                written == null || written.isEmpty() ? null : List.copyOf(written));
    }
}
