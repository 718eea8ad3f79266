package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.stream.Stream;

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
 * @param generation the publication this ladder becomes: the folder under {@code <videoId>/} it is
 *     published to, named by the encode attempt that made it (its key URI names it too); null in
 *     jobs encoded by older releases, which the upload stage then names itself
 * @param key the staging key of the ladder's AES-128 key, which the upload stage writes to the key
 *     store when it publishes the ladder; null for a clear ladder
 * @param entries the videos listed when the URL named a feed, playlist, channel or page of several
 *     videos: the job then ends expanded and each entry is queued as a job of its own
 *     ({@link Job#listed}); never handed to the next stage
 * @param part in a job message: the part of its stage's work this message is ({@link WorkPart});
 *     never handed to the next stage
 * @param split in a stage's result: the stage's work on the job goes on as these parts, each queued
 *     on the same stage as a message of its own; nothing is handed to the next stage
 * @param partDone in a stage's result: this part's work is done and others' goes on; nothing is
 *     handed to the next stage
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds,
        SourcePage page, List<String> pictures, List<Rendition> renditions, String generation, String key,
        List<ListEntry> entries, WorkPart part, List<WorkPart> split, Boolean partDone) {

    public static final StageOutputs NONE = new StageOutputs(null, null, null, null, null, null, null, null, null,
            null);

    /** Outputs without parts, as written before a stage's work could be split. */
    public StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds, SourcePage page,
            List<String> pictures, List<Rendition> renditions, String generation, String key,
            List<ListEntry> entries) {
        this(source, ladder, sourceBytes, durationSeconds, page, pictures, renditions, generation, key, entries, null,
                null, null);
    }

    /** Outputs of a video, not a list. */
    public StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds, SourcePage page,
            List<String> pictures, List<Rendition> renditions, String generation, String key) {
        this(source, ladder, sourceBytes, durationSeconds, page, pictures, renditions, generation, key, null);
    }

    /** Outputs without a generation, as written before ladders were published in generations. */
    public StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds, SourcePage page,
            List<String> pictures, List<Rendition> renditions) {
        this(source, ladder, sourceBytes, durationSeconds, page, pictures, renditions, null, null, null);
    }

    /** Outputs without renditions, as written before the encoder listed them. */
    public StageOutputs(String source, String ladder, Long sourceBytes, Double durationSeconds, SourcePage page,
            List<String> pictures) {
        this(source, ladder, sourceBytes, durationSeconds, page, pictures, null, null, null, null);
    }

    public StageOutputs withSource(String key, long bytes) {
        return new StageOutputs(key, ladder, bytes, durationSeconds, page, pictures, renditions, generation, this.key,
                entries, part, null, null);
    }

    public StageOutputs withLadder(String key, double seconds) {
        return new StageOutputs(source, key, sourceBytes, seconds, page, pictures, renditions, generation, this.key,
                entries, part, null, null);
    }

    public StageOutputs withPage(SourcePage resolved) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, resolved, pictures, renditions, generation,
                key, entries, part, null, null);
    }

    public StageOutputs withPictures(List<String> names) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page,
                names == null || names.isEmpty() ? null : List.copyOf(names), renditions, generation, key, entries, part,
                null, null);
    }

    public StageOutputs withRenditions(List<Rendition> written) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page, pictures,
                written == null || written.isEmpty() ? null : List.copyOf(written), generation, key, entries, part, null,
                null);
    }

    /**
     * The generation the ladder is published as, and the staging key of its AES-128 key (null for
     * a clear ladder).
     */
    public StageOutputs withGeneration(String name, String stagedKey) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page, pictures, renditions, name,
                stagedKey, entries, part, null, null);
    }

    /**
     * Where a file of the ladder ({@code poster.jpg}, {@code 720p/index.m3u8}) is published,
     * relative to the master playlist at {@code <videoId>/master.m3u8}: inside the generation's folder.
     */
    public String published(String file) {
        return generation == null ? file : generation + "/" + file;
    }

    /**
     * The staging keys these outputs name that {@code before} did not: what the stage that wrote
     * them staged (a source, a ladder, a key).
     */
    public List<String> stagedSince(StageOutputs before) {
        return Stream.of(source, ladder, key)
                .filter(stagedKey -> stagedKey != null && !stagedKey.equals(before.source())
                        && !stagedKey.equals(before.ladder()) && !stagedKey.equals(before.key()))
                .toList();
    }

    /** These outputs in the message of {@code newPart} (null: of the whole job). */
    public StageOutputs withPart(WorkPart newPart) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page, pictures, renditions, generation,
                key, entries, newPart, null, null);
    }

    /** A stage's result saying its work on the job goes on as {@code parts}, each queued on its own. */
    public StageOutputs splitInto(List<WorkPart> parts) {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page, pictures, renditions, generation,
                key, entries, null, List.copyOf(parts), null);
    }

    /** A stage's result saying this part is done while other parts of the job's work go on. */
    public StageOutputs asPartDone() {
        return new StageOutputs(source, ladder, sourceBytes, durationSeconds, page, pictures, renditions, generation,
                key, entries, part, null, true);
    }

    /** Whether this is a result saying a part is done and nothing is handed on yet. */
    public boolean reportsPartDone() {
        return Boolean.TRUE.equals(partDone);
    }

    /** Outputs saying the URL named a list of {@code listed} videos, to be queued one job each. */
    public static StageOutputs listing(List<ListEntry> listed) {
        return new StageOutputs(null, null, null, null, null, null, null, null, null, List.copyOf(listed));
    }
}
