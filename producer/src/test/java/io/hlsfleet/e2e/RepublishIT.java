package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.encode.EncodeStageFactory;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.KeyStore;
import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.storage.s3.S3Location;
import io.hlsfleet.storage.s3.S3ObjectStore;
import io.hlsfleet.storage.s3.S3StagingArea;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.S3ServerExtension;
import io.hlsfleet.testing.SyntheticClip;
import io.hlsfleet.upload.UploadStageFactory;
import io.hlsfleet.worker.JobContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A forced republish of an AES-128 video with the real encode and upload stages, ffmpeg, an S3
 * server whose bucket players read over plain HTTP, and a key service over local HTTP that serves
 * the key store: a player that loaded the old master keeps fetching and decrypting the old
 * generation while the new one is published and after; republishes whose re-encode or upload
 * fails change nothing players see; replaced generations and their keys go after the delay.
 */
class RepublishIT {

    private static final Pattern KEY_LINE = Pattern.compile("#EXT-X-KEY:METHOD=AES-128,URI=\"([^\"]+)\",IV=0x([0-9a-f]{32})");
    private static final Duration DELAY = Duration.ofSeconds(3);
    private static final JobContext NO_PROGRESS = (fraction, detail) -> { };

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("staging", "cdn");

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();
    private HttpServer keyService;
    private final AtomicInteger keysServed = new AtomicInteger();
    private Path keys;
    private S3StagingArea staging;
    private S3ObjectStore cdn;
    private WorkerStage encode;
    private WorkerStage upload;

    @BeforeEach
    void startFleetParts() throws Exception {
        keys = Files.createDirectories(tmp.resolve("keys"));
        // The operator's key service: here it hands any caller the key store's file.
        keyService = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        keyService.createContext("/keys/", exchange -> {
            Path key = keys.resolve(exchange.getRequestURI().getPath().substring("/keys/".length())).normalize();
            byte[] body = key.startsWith(keys) && Files.isRegularFile(key) ? Files.readAllBytes(key) : null;
            if (body != null) {
                keysServed.incrementAndGet();
            }
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        keyService.start();
        Settings settings = Settings.of(Map.of(
                "HLSFLEET_BROKER", "memory",
                "HLSFLEET_STAGING", "s3://staging/republish",
                "HLSFLEET_BUCKET", "s3://cdn/hls",
                "HLSFLEET_ENCRYPTION", "aes-128",
                "HLSFLEET_ENCRYPTION_KEY_URI", "http://127.0.0.1:" + keyService.getAddress().getPort()
                        + "/keys/{videoId}/{generation}.key",
                "HLSFLEET_ENCRYPTION_KEY_STORE", keys.toUri().toString(),
                "HLSFLEET_ENCODE_PRESET", "ultrafast",
                "HLSFLEET_ENCODE_RUNGS", "144:150k,240:300k",
                "HLSFLEET_PICTURES_ENABLED", "false",
                "HLSFLEET_UPLOAD_OLD_GENERATION_DELAY", DELAY.toSeconds() + "s"));
        Settings withSegments = settings.with(Map.of("HLSFLEET_ENCODE_SEGMENT_SECONDS", "1",
                "HLSFLEET_ENCODE_KEYFRAME_SECONDS", "1"));
        staging = new S3StagingArea(S3Location.parse("s3://staging/republish"), S3.server().settings(tmp.resolve("scratch")));
        cdn = new S3ObjectStore(S3Location.parse("s3://cdn/hls"),
                S3.server().settings(tmp.resolve("scratch"), 16L << 20, ObjectCannedACL.PUBLIC_READ));
        encode = EncodeStageFactory.create(staging, withSegments, FleetConfig.from(withSegments), new SimpleMeterRegistry());
        upload = UploadStageFactory.create(staging, cdn, settings);
    }

    @AfterEach
    void stopFleetParts() throws Exception {
        if (upload != null) {
            upload.close();
        }
        if (encode != null) {
            encode.close();
        }
        if (staging != null) {
            staging.close();
        }
        if (cdn != null) {
            cdn.close();
        }
        if (keyService != null) {
            keyService.stop(0);
        }
    }

    @Test
    void aPlayerOfTheOldGenerationPlaysOnThroughFailedAndForcedRepublishes() throws Exception {
        String url = "https://videos.example/republished-talk.mp4";
        Path clip = SyntheticClip.video(426, 240).seconds(2).writeTo(tmp.resolve("talk.mp4"));
        Job first = Job.submit(url, false);
        String videoId = first.videoId();
        StageOutputs g1 = publish(encoded(first, clip));
        URI master = S3.server().objectUrl("cdn", "hls/" + videoId + "/master.m3u8");
        assertThat(get(master)).contains(g1.generation() + "/240p/index.m3u8");
        assertThat(keys.resolve(KeyStore.keyName(videoId, g1.generation()))).hasSize(16);

        // A viewer loads the master now and keeps playing what it named.
        Player player = new Player(master);
        Thread playing = Thread.ofPlatform().name("old-player").start(player);
        player.awaitRounds(1);
        List<String> publishedBefore = objects();

        // A republish whose re-encode fails (its source is no video) touches nothing published.
        Path notVideo = Files.writeString(tmp.resolve("broken.mp4"), "these are not moving pictures\n");
        JobFailure refused = catchThrowableOfType(JobFailure.class,
                () -> encode.handler().process(atEncode(Job.submit(url, true), notVideo), NO_PROGRESS));
        assertThat(refused).as("the broken re-encode fails").isNotNull();
        assertThat(objects()).as("the bucket after a failed re-encode").isEqualTo(publishedBefore);

        // A republish whose upload fails at its last step, when the key store refuses the key
        // (something is in the way of its name), after the whole generation is in the bucket.
        Job broken = Job.submit(url, true);
        StageOutputs half = encoded(broken, clip);
        Path inTheWay = Files.createDirectories(keys.resolve(KeyStore.keyName(videoId, half.generation())).resolve("x"));
        assertThat(catchThrowable(() -> upload.handler().process(broken.advance(Stage.UPLOAD, half), NO_PROGRESS)))
                .as("the upload whose key is refused fails").isNotNull();
        assertThat(objects()).as("the generation was written").contains("hls/" + videoId + "/" + half.generation()
                + "/master.m3u8");
        assertThat(get(master)).as("the master after a failed upload").contains(g1.generation() + "/")
                .doesNotContain(half.generation());
        assertThat(staging.exists(half.key())).as("its staged key, for a retry").isTrue();
        LocalFiles.deleteRecursively(inTheWay.getParent());
        staging.delete(StagingKeys.jobPrefix(broken));

        // The forced republish, while the viewer plays on.
        int roundsBefore = player.rounds();
        StageOutputs g2 = publish(encoded(Job.submit(url, true), clip));
        int roundsDuring = player.rounds() - roundsBefore;
        assertThat(get(master)).as("new viewers get the new generation").contains(g2.generation() + "/240p/index.m3u8");
        player.awaitRounds(player.rounds() + 3);
        player.stop();
        playing.join(10_000);
        assertThat(player.failures).as("what the viewer of the old generation saw fail").isEmpty();
        assertThat(roundsDuring).as("rounds played while the new generation was encoded and published").isPositive();
        assertThat(player.generation).isEqualTo(g1.generation());
        // The old generation still decodes whole after the switch, its key fetched from the service.
        assertThat(decodedFrames(S3.server().objectUrl("cdn", "hls/" + videoId + "/" + g1.generation()
                + "/240p/index.m3u8"))).isGreaterThanOrEqualTo(40);
        assertThat(decodedFrames(master)).as("the new master decodes").isGreaterThanOrEqualTo(40);
        assertThat(g2.generation()).isNotEqualTo(g1.generation());
        assertThat(Files.readAllBytes(keys.resolve(KeyStore.keyName(videoId, g2.generation()))))
                .as("each generation has a key of its own")
                .isNotEqualTo(Files.readAllBytes(keys.resolve(KeyStore.keyName(videoId, g1.generation()))));
        assertThat(objects()).noneMatch(key -> key.endsWith(".key"));

        // After the delay only the current generation is left, with its key.
        long deadline = System.nanoTime() + DELAY.plusSeconds(15).toNanos();
        while (objects().stream().anyMatch(k -> !k.startsWith("hls/" + videoId + "/" + g2.generation() + "/")
                && !k.equals("hls/" + videoId + "/master.m3u8")) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(objects()).as("the bucket once the delay has passed")
                .allMatch(k -> k.startsWith("hls/" + videoId + "/" + g2.generation() + "/")
                        || k.equals("hls/" + videoId + "/master.m3u8"));
        assertThat(Files.exists(keys.resolve(KeyStore.keyName(videoId, g1.generation())))).as("the old key").isFalse();
        assertThat(keys.resolve(KeyStore.keyName(videoId, g2.generation()))).hasSize(16);
        assertThat(decodedFrames(master)).isGreaterThanOrEqualTo(40);
    }

    /** Stages {@code clip} as the download stage would and runs the real encode stage on it. */
    private StageOutputs encoded(Job job, Path clip) throws Exception {
        return encode.handler().process(atEncode(job, clip), NO_PROGRESS);
    }

    private Job atEncode(Job job, Path source) throws IOException {
        String key = StagingKeys.source(job, StagingKeys.newAttempt());
        staging.store(key, source);
        return job.advance(Stage.ENCODE, StageOutputs.NONE.withSource(key, Files.size(source)));
    }

    private StageOutputs publish(StageOutputs encoded) throws Exception {
        Job job = Job.submit("https://videos.example/republished-talk.mp4", true).advance(Stage.UPLOAD, encoded);
        StageOutputs published = upload.handler().process(job, NO_PROGRESS);
        assertThat(published.generation()).isEqualTo(encoded.generation());
        return published;
    }

    private List<String> objects() {
        return S3.server().admin().listObjectsV2Paginator(b -> b.bucket("cdn").prefix("hls/")).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    private String get(URI url) throws IOException, InterruptedException {
        return new String(fetch(url), StandardCharsets.UTF_8);
    }

    private byte[] fetch(URI url) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new NoSuchFileException(url + " answered " + response.statusCode());
        }
        return response.body();
    }

    /** Frames ffmpeg decodes from a playlist over HTTP, fetching keys as a player does. */
    private static int decodedFrames(URI playlist) throws Exception {
        String out = Processes.check("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", playlist.toString());
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).mapToInt(Integer::parseInt).max().orElse(0);
    }

    /**
     * A viewer that loaded the master once: it plays the 240p variant the master named, round after
     * round, fetching the key from the key URI and each segment from the bucket, and decrypts them;
     * a segment that does not decrypt to MPEG-TS packets is a failure.
     */
    private final class Player implements Runnable {

        final List<String> failures = new CopyOnWriteArrayList<>();
        volatile String generation;
        private final URI variant;
        private final AtomicInteger rounds = new AtomicInteger();
        private final AtomicBoolean stopped = new AtomicBoolean();

        Player(URI master) throws IOException, InterruptedException {
            String line = get(master).lines().filter(l -> l.endsWith("240p/index.m3u8")).findFirst().orElseThrow();
            this.variant = master.resolve(line);
            this.generation = line.substring(0, line.indexOf('/'));
        }

        @Override
        public void run() {
            while (!stopped.get()) {
                try {
                    playOnce();
                    rounds.incrementAndGet();
                } catch (Exception e) {
                    failures.add(e.toString());
                    return;
                }
            }
        }

        private void playOnce() throws Exception {
            String playlist = get(variant);
            Matcher key = KEY_LINE.matcher(playlist);
            if (!key.find()) {
                throw new AssertionError("no AES-128 key line in " + variant);
            }
            byte[] secret = fetch(variant.resolve(key.group(1)));
            byte[] iv = HexFormat.of().parseHex(key.group(2));
            List<String> segments = new ArrayList<>(playlist.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList());
            for (String segment : segments) {
                Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
                cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(secret, "AES"), new IvParameterSpec(iv));
                byte[] clear = cipher.doFinal(fetch(variant.resolve(segment.strip())));
                for (int packet = 0; packet < clear.length; packet += 188) {
                    if (clear[packet] != 0x47) {
                        throw new AssertionError(segment + " does not decrypt to MPEG-TS at byte " + packet);
                    }
                }
            }
        }

        int rounds() {
            return rounds.get();
        }

        void awaitRounds(int count) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (rounds.get() < count && failures.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(failures).isEmpty();
            assertThat(rounds.get()).isGreaterThanOrEqualTo(count);
        }

        void stop() {
            stopped.set(true);
        }
    }
}
