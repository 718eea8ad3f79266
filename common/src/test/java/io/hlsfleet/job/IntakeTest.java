package io.hlsfleet.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IntakeTest {

    private final Intake intake = new Intake("fleet secret".getBytes(StandardCharsets.UTF_8), false);

    private static Job decode(String json) {
        return JobCodec.decode(json.getBytes(StandardCharsets.UTF_8), Stage.DOWNLOAD);
    }

    @Test
    void aSubmissionGetsAFreshJobIdTheVideoIdOfItsUrlAndNoOutputs() {
        Job submitted = decode("""
                {"jobId": "../../etc", "videoId": "someone-elses-video", "sourceUrl": "https://x.example/mine.mp4",
                 "stage": "UPLOAD", "attempt": 4,
                 "outputs": {"source": "jobs/other/source", "ladder": "jobs/other/ladder"}}
                """);
        Job admitted = intake.admit(submitted);

        assertThat(admitted.jobId()).isNotEqualTo(submitted.jobId()).doesNotContain("..", "/");
        assertThat(admitted.videoId()).isEqualTo(VideoId.fromSource("https://x.example/mine.mp4"));
        assertThat(admitted.outputs()).isEqualTo(StageOutputs.NONE);
        assertThat(admitted.stage()).isEqualTo(Stage.DOWNLOAD);
        assertThat(admitted.attempt()).isEqualTo(1);
        assertThat(intake.isSealed(admitted)).isTrue();
    }

    @Test
    void aSafeButForeignJobIdIsReplacedToo() {
        Job foreign = decode("""
                {"jobId": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "sourceUrl": "https://x.example/a.mp4"}
                """);
        assertThat(intake.admit(foreign).jobId()).isNotEqualTo("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
    }

    @Test
    void theFleetsOwnJobsKeepTheirIdentityThroughRetriesRequeuesAndTheWire() {
        Job sealed = intake.seal(Job.submit("https://x.example/a.mp4?X-Amz-Signature=abc", false));
        Job retried = JobCodec.decode(JobCodec.encode(sealed.nextAttempt()), Stage.DOWNLOAD);
        assertThat(intake.admit(retried)).isEqualTo(retried);
        Job requeued = DeadLetter.of(sealed, JobFailure.permanent("gone")).job().firstAttempt();
        assertThat(intake.admit(requeued).jobId()).isEqualTo(sealed.jobId());
    }

    @Test
    void aSealFromAnotherKeyOrForAnotherIdentityIsNoSeal() {
        Job sealedElsewhere = new Intake("other".getBytes(StandardCharsets.UTF_8), false)
                .seal(Job.submit("https://x.example/a.mp4", false));
        assertThat(intake.admit(sealedElsewhere).jobId()).isNotEqualTo(sealedElsewhere.jobId());

        Job sealed = intake.seal(Job.submit("https://x.example/a.mp4", false));
        String forged = new String(JobCodec.encode(sealed), StandardCharsets.UTF_8)
                .replace(sealed.videoId(), "victim-video");
        assertThat(intake.admit(decode(forged)).videoId()).isEqualTo(sealed.videoId());
    }

    @Test
    void anOperatorMayLetSubmissionsNameTheirVideoId() {
        Intake trusting = new Intake("fleet secret".getBytes(StandardCharsets.UTF_8), true);
        Job named = decode("""
                {"jobId": "x", "videoId": "lecture-42", "sourceUrl": "https://x.example/a.mp4"}
                """);
        assertThat(trusting.admit(named).videoId()).isEqualTo("lecture-42");
        assertThat(trusting.admit(named).jobId()).isNotEqualTo("x");
    }

    @Test
    void aListedJobKeepsItsParentOnlyUnderTheFleetsSeal() {
        Job feed = intake.seal(Job.submit("https://x.example/feed.xml", false));
        Job child = intake.seal(feed.listed(new ListEntry("https://x.example/1.mp4", null, null)));
        assertThat(intake.admit(child)).isEqualTo(child);
        assertThat(child.parentJobId()).isEqualTo(feed.jobId());

        Job claimed = new Job(Job.SCHEMA_VERSION, child.jobId(), child.videoId(), child.sourceUrl(), 1, Stage.DOWNLOAD,
                null, null, null, false, null, child.intakeSeal(), null, null, "someone-elses-job");
        Job admitted = intake.admit(claimed);
        assertThat(admitted.jobId()).isNotEqualTo(child.jobId());
        assertThat(admitted.parentJobId()).isNull();
    }
}
