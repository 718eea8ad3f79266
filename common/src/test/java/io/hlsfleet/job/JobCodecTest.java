package io.hlsfleet.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JobCodecTest {

    @Test
    void roundTripKeepsEveryField() {
        Job job = Job.submit("https://x.example/clip.mp4", true)
                .advance(Stage.ENCODE, StageOutputs.NONE.withSource("jobs/abc/source", 1234));
        Job back = JobCodec.decode(JobCodec.encode(job), Stage.ENCODE);
        assertThat(back).isEqualTo(job);
        assertThat(new String(JobCodec.encode(job), StandardCharsets.UTF_8))
                .contains("\"schemaVersion\":1").contains("\"stage\":\"ENCODE\"");
    }

    @Test
    void aPartTravelsWithItsJobAndStaysOnItsStage() {
        Job job = Job.submit("https://x.example/clip.mp4", false)
                .advance(Stage.ENCODE, StageOutputs.NONE.withSource("jobs/abc/source", 1234));
        Job part = job.part(new WorkPart("0123456789abcdef", 2, 5), job.outputs());
        Job back = JobCodec.decode(JobCodec.encode(part), Stage.ENCODE);
        assertThat(back).isEqualTo(part);
        assertThat(back.outputs().part()).isEqualTo(new WorkPart("0123456789abcdef", 2, 5));
        assertThat(back.nextAttempt().outputs().part()).isEqualTo(back.outputs().part());
        assertThat(back.advance(Stage.UPLOAD, back.outputs().withLadder("jobs/abc/ladder-1", 10)).outputs().part())
                .as("the next stage gets the whole job").isNull();
        assertThat(new String(JobCodec.encode(job), StandardCharsets.UTF_8)).doesNotContain("part");
        assertThatThrownBy(() -> new WorkPart("../x", 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WorkPart("p", 3, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void traceParentTravelsWithTheJobAndSurvivesRetriesAndHandOffs() {
        String parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Job job = Job.submit("https://x.example/clip.mp4", false).withTraceParent(parent);
        Job back = JobCodec.decode(JobCodec.encode(job), Stage.DOWNLOAD);
        assertThat(back.traceParent()).isEqualTo(parent);
        assertThat(back.nextAttempt().traceParent()).isEqualTo(parent);
        assertThat(back.advance(Stage.ENCODE, StageOutputs.NONE).traceParent()).isEqualTo(parent);
        assertThat(new String(JobCodec.encode(job.withTraceParent(null)), StandardCharsets.UTF_8))
                .as("no field at all when there is no trace").doesNotContain("traceParent");
    }

    @Test
    void priorityIsAJobFieldKeptThroughRetriesAndHandOffsAndNormalWhenAbsent() {
        Job job = JobCodec.decode("{\"sourceUrl\": \"https://x.example/a.mp4\", \"priority\": \"LOW\"}"
                .getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD);
        assertThat(job.priority()).isEqualTo(Priority.LOW);
        assertThat(new String(JobCodec.encode(job), StandardCharsets.UTF_8)).contains("\"priority\":\"low\"");
        assertThat(job.nextAttempt().priority()).isEqualTo(Priority.LOW);
        assertThat(job.advance(Stage.ENCODE, StageOutputs.NONE).firstAttempt().priority()).isEqualTo(Priority.LOW);
        assertThat(JobCodec.decode("https://x.example/b.mp4".getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD)
                .priority()).isEqualTo(Priority.NORMAL);
        assertThatThrownBy(() -> JobCodec.decode("{\"sourceUrl\": \"https://x.example/a.mp4\", \"priority\": \"urgent\"}"
                .getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD))
                .isInstanceOf(JobCodec.MalformedJobException.class).hasMessageContaining("unknown priority 'urgent'");
    }

    @Test
    void aCancelMessageNamesItsJobAndIsNoJob() {
        assertThat(JobCodec.cancelTarget(" {\"cancel\": \"5b0e2c1d-job\"} ".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("5b0e2c1d-job");
        assertThat(JobCodec.cancelTarget("{\"sourceUrl\": \"https://x.example/cancel.mp4\"}"
                .getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(JobCodec.cancelTarget("https://x.example/cancel.mp4".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThatThrownBy(() -> JobCodec.cancelTarget("{\"cancel\": \"../etc\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JobCodec.MalformedJobException.class).hasMessageContaining("without a valid job id");
        assertThatThrownBy(() -> JobCodec.cancelTarget("{\"cancel\": 42}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JobCodec.MalformedJobException.class);
    }

    @Test
    void bareUrlOnIntakeBecomesAJob() {
        Job job = JobCodec.decode("  https://x.example/a.mp4\n".getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD);
        assertThat(job.sourceUrl()).isEqualTo("https://x.example/a.mp4");
        assertThat(job.stage()).isEqualTo(Stage.DOWNLOAD);
        assertThat(job.attempt()).isEqualTo(1);
        assertThat(job.videoId()).startsWith("a-");
    }

    @Test
    void minimalJsonGetsDefaults() {
        Job job = JobCodec.decode("{\"jobId\":\"j1\",\"sourceUrl\":\"https://x.example/v.mov\",\"stage\":\"DOWNLOAD\"}"
                .getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD);
        assertThat(job.schemaVersion()).isEqualTo(Job.SCHEMA_VERSION);
        assertThat(job.videoId()).isEqualTo(VideoId.fromSource("https://x.example/v.mov"));
        assertThat(job.submittedAt()).isNotNull();
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        Job job = JobCodec.decode(("{\"jobId\":\"j1\",\"sourceUrl\":\"https://x.example/v.mov\",\"stage\":\"DOWNLOAD\","
                + "\"futureField\":{\"x\":1}}").getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD);
        assertThat(job.jobId()).isEqualTo("j1");
    }

    @Test
    void malformedBodiesAreRefusedWithAReason() {
        assertThatThrownBy(() -> JobCodec.decode(new byte[0], Stage.DOWNLOAD)).hasMessageContaining("empty");
        assertThatThrownBy(() -> JobCodec.decode("{not json".getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD))
                .isInstanceOf(JobCodec.MalformedJobException.class).hasMessageContaining("not a valid job");
        assertThatThrownBy(() -> JobCodec.decode("hello world".getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD))
                .hasMessageContaining("neither a JSON job nor");
        assertThatThrownBy(() -> JobCodec.decode("https://x.example/a.mp4".getBytes(StandardCharsets.UTF_8), Stage.ENCODE))
                .as("bare URLs are accepted on the intake only").isInstanceOf(JobCodec.MalformedJobException.class);
        assertThatThrownBy(() -> JobCodec.decode(
                "{\"jobId\":\"../../etc\",\"sourceUrl\":\"https://x\",\"stage\":\"ENCODE\"}".getBytes(StandardCharsets.UTF_8),
                Stage.ENCODE)).as("past the intake, ids are never replaced").hasMessageContaining("safe path segment");
        assertThatThrownBy(() -> JobCodec.decode(
                "{\"schemaVersion\":99,\"jobId\":\"j\",\"sourceUrl\":\"https://x\",\"stage\":\"DOWNLOAD\"}".getBytes(StandardCharsets.UTF_8),
                Stage.DOWNLOAD)).hasMessageContaining("newer");
    }

    @Test
    void deadLetterRoundTrip() {
        Job job = Job.submit("https://x.example/a.mp4", false);
        DeadLetter letter = DeadLetter.of(job, JobFailure.permanent("not a video"));
        DeadLetter back = JobCodec.decodeDeadLetter(JobCodec.encode(letter));
        assertThat(back.reason()).isEqualTo("not a video");
        assertThat(back.job()).isEqualTo(job);
        assertThat(back.stage()).isEqualTo(Stage.DOWNLOAD);
        assertThat(back.exceptionClass()).isEqualTo(JobFailure.class.getName());
    }
}
