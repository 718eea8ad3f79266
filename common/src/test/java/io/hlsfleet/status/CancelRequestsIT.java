package io.hlsfleet.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.testing.Brokers;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The race between a cancel and an upload about to write its master playlist, settled in Redis:
 * whichever comes first wins, and the other is told.
 */
class CancelRequestsIT {

    @Test
    void aCancelFirstStopsTheCommitAndACommitFirstRefusesTheCancel() {
        String cancelledFirst = UUID.randomUUID().toString();
        String committedFirst = UUID.randomUUID().toString();
        try (CancelRequests requests = new CancelRequests(Brokers.redisUrl());
             RedisJobStatusStore statuses = new RedisJobStatusStore(Brokers.redisUrl())) {
            assertThat(requests.request(cancelledFirst, "cancelled with hlsfleet cancel")).isEmpty();
            assertThat(requests.commit(cancelledFirst)).isFalse();
            assertThat(requests.reason(cancelledFirst)).hasValue("cancelled with hlsfleet cancel");

            assertThat(requests.commit(committedFirst)).isTrue();
            assertThat(requests.commit(committedFirst)).as("a redelivered upload commits again").isTrue();
            assertThat(requests.request(committedFirst, "cancelled with hlsfleet cancel"))
                    .hasValue(CancelRequests.PUBLISHING_REFUSAL);
            assertThat(requests.reason(committedFirst)).isEmpty();
            assertThat(requests.requested(List.of(cancelledFirst, committedFirst)))
                    .containsOnlyKeys(cancelledFirst);

            // The intake's cancel message is refused the same way.
            statuses.save(new JobStatus(committedFirst, "talk-3fa2b1c0", "https://example.org/talk.mp4",
                    JobState.UPLOADING, 50, "", 1, null, Instant.now(), Instant.now(), null));
            assertThat(requests.forWorker(null).request(committedFirst, "cancelled by a cancel message"))
                    .hasValue(CancelRequests.PUBLISHING_REFUSAL);
        }
    }
}
