package io.hlsfleet.transport;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

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
}
