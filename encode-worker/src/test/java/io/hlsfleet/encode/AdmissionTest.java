package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.hlsfleet.job.JobFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdmissionTest {

    @TempDir
    Path dir;

    private String sniffed(byte[] content) throws Exception {
        Path file = Files.write(dir.resolve("upload.mp4"), content);
        JobFailure failure = catchThrowableOfType(JobFailure.class, () -> Admission.sniff(file));
        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isFalse();
        return failure.reason();
    }

    @Test
    void recognisesWhatIsNotAVideoByItsFirstBytes() throws Exception {
        assertThat(sniffed("\uFEFF#EXTM3U\n".getBytes())).contains("HLS playlist");
        assertThat(sniffed("ffconcat version 1.0\n".getBytes())).contains("concat script");
        assertThat(sniffed("<?xml version=\"1.0\"?><MPD>".getBytes())).contains("DASH");
        assertThat(sniffed(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0})).contains("PNG");
        assertThat(sniffed(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0})).contains("JPEG");
        assertThat(sniffed("GIF89a\0\0".getBytes())).contains("GIF");
        assertThat(sniffed("hello, this is plain text\n".getBytes())).isEqualTo("the file is text, not a video");
        assertThat(sniffed(new byte[0])).isEqualTo("the file is empty");
    }

    @Test
    void letsBinaryContainersThrough() throws Exception {
        byte[] mp4 = {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0};
        Path file = Files.write(dir.resolve("ok.mp4"), mp4);
        assertThatCode(() -> Admission.sniff(file)).doesNotThrowAnyException();
    }

    @Test
    void limitsCompareLongAndShortSide() {
        Admission.Limits limits = new Admission.Limits(1920, 1080, Duration.ofMinutes(1), 4);
        assertThatCode(() -> Admission.checkLimits(new MediaInfo("mov", 1080, 1920, 60, 30, 0, 1), 4, limits))
                .doesNotThrowAnyException();
        assertThat(catchThrowableOfType(JobFailure.class, () -> Admission.checkLimits(
                new MediaInfo("mov", 1088, 1920, 30, 30, 0, 1), 2, limits)).reason())
                .isEqualTo("the video is 1088x1920, larger than the accepted 1920x1080");
        assertThat(catchThrowableOfType(JobFailure.class, () -> Admission.checkLimits(
                new MediaInfo("mov", 640, 360, 3725, 30, 0, 1), 2, limits)).reason())
                .isEqualTo("the video is 1 h 02 min long, longer than the accepted 1 min 00 s");
        assertThat(catchThrowableOfType(JobFailure.class, () -> Admission.checkLimits(
                new MediaInfo("mov", 640, 360, 30, 30, 0, 1), 5, limits)).reason())
                .isEqualTo("the file has 5 streams, more than the accepted 4");
    }

    @Test
    void allowListNamesEveryAcceptedContainer() {
        assertThat(Admission.accepted("mov,mp4,m4a,3gp,3g2,mj2")).isTrue();
        assertThat(Admission.accepted("matroska,webm")).isTrue();
        assertThat(Admission.accepted("mpegts")).isTrue();
        assertThat(Admission.accepted("avi")).isTrue();
        assertThat(Admission.accepted("flv")).isTrue();
        assertThat(Admission.accepted("hls")).isFalse();
        assertThat(Admission.accepted("concat")).isFalse();
        assertThat(Admission.accepted("image2")).isFalse();
        assertThat(Admission.accepted("gif")).isFalse();
    }

    @Test
    void truncatedMp4IndexGetsAPlainReason() {
        assertThat(Admission.unreadableReason("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found"))
                .contains("incomplete");
    }
}
