package io.hlsfleet.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract against {@link InMemoryTransport}. The in-memory "broker" is one transport; each
 * connection the suite opens is a view of it whose close stops only its own consumers, as closing
 * one client of a real broker would.
 */
class InMemoryTransportTest extends TransportContract {

    private final InMemoryTransport broker = new InMemoryTransport();

    @Override
    protected Transport newTransport() {
        return new Connection();
    }

    /** Each test has a broker of its own, empty from the start. */
    @Override
    protected void purgeBroker() {
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    private final class Connection implements Transport {

        private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

        @Override
        public void publish(Stage stage, Job job) {
            broker.publish(stage, job);
        }

        @Override
        public void publishRaw(Stage stage, byte[] body) {
            broker.publishRaw(stage, body);
        }

        @Override
        public Subscription subscribe(Stage stage, int concurrency, DeliveryHandler handler) {
            Subscription subscription = broker.subscribe(stage, concurrency, handler);
            subscriptions.add(subscription);
            return subscription;
        }

        @Override
        public Map<Stage, Long> queueDepths() {
            return broker.queueDepths();
        }

        @Override
        public List<DeadLetter> deadLetters(Stage stage, int limit) {
            return broker.deadLetters(stage, limit);
        }

        @Override
        public int requeueDeadLetters(Stage stage, List<String> jobIds) {
            return broker.requeueDeadLetters(stage, jobIds);
        }

        @Override
        public int removeDeadLetters(Stage stage, List<String> jobIds) {
            return broker.removeDeadLetters(stage, jobIds);
        }

        @Override
        public int purgeDeadLetters(Stage stage) {
            return broker.purgeDeadLetters(stage);
        }

        @Override
        public void close() {
            subscriptions.forEach(subscription -> subscription.stop(Duration.ZERO));
        }
    }

    @Test
    void aRetryComesBackAtItsPriorityAheadOfNormalJobs() {
        Job high = Job.submit("https://example.com/contract/high.mp4", false)
                .advance(Stage.ENCODE, StageOutputs.NONE).withPriority(Priority.HIGH);
        transport.publish(Stage.ENCODE, high);
        List<String> taken = new CopyOnWriteArrayList<>();
        try (var encode = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            Job job = delivery.job();
            taken.add(job.sourceUrl().replaceAll(".*/", "") + "#" + job.attempt());
            if (job.priority() == Priority.HIGH && job.attempt() == 1) {
                // While the retry waits out its delay, a backlog of normal jobs arrives.
                for (int i = 1; i <= 5; i++) {
                    transport.publish(Stage.ENCODE, Job.submit("https://example.com/contract/normal-" + i + ".mp4", false)
                            .advance(Stage.ENCODE, StageOutputs.NONE));
                }
                delivery.retryLater(job.nextAttempt(), Duration.ofMillis(200));
                return;
            }
            if (taken.size() == 2) {
                // The first normal job runs until the retry is back in the queue (four normal jobs and it).
                await().atMost(Duration.ofSeconds(10)).until(() -> transport.queueDepths().get(Stage.ENCODE) == 5);
            }
            delivery.ack();
        })) {
            await().atMost(Duration.ofSeconds(20)).until(() -> taken.size() == 7);
        }
        assertThat(taken.get(0)).isEqualTo("high.mp4#1");
        assertThat(taken.get(2)).as("the retry overtakes the normal jobs still waiting").isEqualTo("high.mp4#2");
    }
}
