package io.hlsfleet.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pictures the encoder made are named in the job's status once it carries them. */
class StatusRecorderPicturesTest {

    /** Keeps what was saved, in order. */
    private static final class Saved implements JobStatusStore {
        final List<JobStatus> statuses = new ArrayList<>();

        @Override
        public void save(JobStatus status) {
            statuses.add(status);
        }

        @Override
        public Optional<JobStatus> find(String jobId) {
            return statuses.reversed().stream().filter(s -> s.jobId().equals(jobId)).findFirst();
        }

        @Override
        public List<JobStatus> recent(int limit) {
            return statuses.reversed().stream().limit(limit).toList();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void publishedStatusListsThePictures() {
        Saved store = new Saved();
        StatusRecorder recorder = new StatusRecorder(store);
        Job submitted = Job.submit("https://example.org/a.mp4", false);
        recorder.started(Stage.DOWNLOAD, submitted);
        assertThat(store.find(submitted.jobId()).orElseThrow().pictures()).isNull();

        Job upload = submitted.advance(Stage.UPLOAD, StageOutputs.NONE.withLadder("jobs/x/ladder", 4)
                .withPictures(List.of("poster.jpg", "poster.webp", "storyboard/thumbnails.vtt")));
        recorder.succeeded(Stage.UPLOAD, upload, null);
        JobStatus published = store.find(submitted.jobId()).orElseThrow();
        assertThat(published.state()).isEqualTo(JobState.PUBLISHED);
        assertThat(published.pictures()).containsExactly("poster.jpg", "poster.webp", "storyboard/thumbnails.vtt");
    }
}
