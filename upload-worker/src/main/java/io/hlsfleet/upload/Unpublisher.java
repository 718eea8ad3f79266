package io.hlsfleet.upload;

import io.hlsfleet.job.PublishedVideo;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.storage.KeyStore;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.ObjectStore.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Removes a published video from the bucket ({@code hlsfleet unpublish}), in the order that is
 * safe for players and caches: first {@code <videoId>/master.m3u8}, so that no new player starts
 * the video; once the bucket no longer has it, each generation folder {@code <videoId>/<generation>/}
 * and any other object under {@code <videoId>/}; last the generations' keys in the key store. A
 * player that loaded the master before it went keeps its segments only as long as a cache does.
 *
 * <p>Only what the first listing found is removed, the master aside: a publication of the same
 * video that is in flight writes a generation of its own and then the master. If its master came
 * before the unpublish's delete, the delete removes it and its generation is left over; if after,
 * the video is published again. {@link Result} tells either.
 */
public final class Unpublisher {

    /** The pseudo-generation of files directly under {@code <videoId>/}, from before generations. */
    static final String LOOSE = "";

    private final ObjectStore bucket;
    private final KeyStore keys;

    /** @param keys the key store of encrypted ladders, or null when there is none */
    public Unpublisher(ObjectStore bucket, KeyStore keys) {
        this.bucket = bucket;
        this.keys = keys;
    }

    /**
     * What is stored of a video.
     *
     * @param master the master playlist's key, or null when the video is not published
     * @param current the generation the master names, or null (no master, or a master from before generations)
     * @param generations the objects of each generation folder, by generation; {@link #LOOSE} holds
     *     files directly under the video's folder other than the master
     * @param keys the keys of those generations in the key store
     */
    public record Plan(String videoId, String master, String current, Map<String, List<String>> generations,
            List<String> keys) {

        public boolean published() {
            return master != null;
        }

        /** Every key of the bucket to remove, in the order they go: the master first. */
        public List<String> objects() {
            List<String> all = new ArrayList<>();
            if (master != null) {
                all.add(master);
            }
            generations.values().forEach(all::addAll);
            return all;
        }

        /** The generation folders, without the loose files. */
        public List<String> generationNames() {
            return generations.keySet().stream().filter(g -> !g.equals(LOOSE)).toList();
        }
    }

    /**
     * The outcome of a removal.
     *
     * @param republished the master was there again afterwards: a publication in flight switched it
     *     to a generation of its own, which was left alone (when the master was back at once, nothing
     *     else was removed)
     * @param leftovers objects under the video's folder afterwards that the plan did not know (the
     *     generation of a publication in flight), the master aside
     */
    public record Result(Plan plan, boolean republished, List<String> leftovers) {
    }

    /** What the bucket holds of {@code videoId}; nothing is changed. */
    public Plan plan(String videoId) throws IOException {
        if (!VideoId.isSafe(videoId)) {
            throw new IllegalArgumentException("not a video id: " + videoId);
        }
        String masterKey = PublishedVideo.masterKey(videoId);
        String master = null;
        String current = null;
        Map<String, List<String>> generations = new LinkedHashMap<>();
        List<String> loose = new ArrayList<>();
        for (StoredObject object : bucket.list(videoId)) {
            String key = object.key();
            if (key.equals(masterKey)) {
                master = key;
                continue;
            }
            String rest = key.substring(videoId.length() + 1);
            int slash = rest.indexOf('/');
            if (slash < 0) {
                loose.add(key);
            } else {
                generations.computeIfAbsent(rest.substring(0, slash), g -> new ArrayList<>()).add(key);
            }
        }
        if (master != null) {
            try {
                current = LadderPublisher.generationOf(new String(bucket.read(masterKey), StandardCharsets.UTF_8));
            } catch (NoSuchFileException goneMeanwhile) {
                master = null;
            }
        }
        if (!loose.isEmpty()) {
            generations.put(LOOSE, loose);
        }
        List<String> keyNames = new ArrayList<>();
        if (keys != null) {
            List<String> stored = keys.store().list(videoId).stream().map(StoredObject::key).toList();
            for (String generation : generations.keySet()) {
                String name = KeyStore.keyName(videoId, generation);
                if (!generation.equals(LOOSE) && stored.contains(name)) {
                    keyNames.add(name);
                }
            }
        }
        return new Plan(videoId, master, current, generations, keyNames);
    }

    /**
     * Removes what {@code plan} found: the master, and only once the bucket no longer has it, every
     * generation and loose file, then their keys.
     *
     * @throws IOException if a removal fails; what was removed before stays removed, and the master
     *     goes first, so a failed unpublish leaves the video unpublished but not yet cleaned up
     */
    public Result remove(Plan plan) throws IOException {
        if (plan.master() != null) {
            bucket.delete(List.of(plan.master()));
            if (bucket.exists(plan.master())) {
                // Written again at once (a publication in flight), or a store that kept it: the
                // generations stay, so that the master never names removed files.
                return new Result(plan, true, List.of());
            }
        }
        for (List<String> objects : plan.generations().values()) {
            bucket.delete(objects);
        }
        if (keys != null && !plan.keys().isEmpty()) {
            keys.store().delete(plan.keys());
        }
        String masterKey = PublishedVideo.masterKey(plan.videoId());
        List<String> after = bucket.list(plan.videoId()).stream().map(StoredObject::key).toList();
        return new Result(plan, after.contains(masterKey), after.stream().filter(key -> !key.equals(masterKey)).toList());
    }
}
