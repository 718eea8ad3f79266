package io.hlsfleet.transport.rabbit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ReturnListener;
import com.rabbitmq.client.ShutdownListener;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.events.EventBus;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.AbstractDelivery;
import io.hlsfleet.transport.BrokerTls;
import io.hlsfleet.transport.ConsumerSkeleton;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.TransportException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionNameStrategy;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.connection.RabbitUtils;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.support.DefaultMessagePropertiesConverter;

/**
 * The fleet's queues on RabbitMQ through Spring AMQP (see {@link RabbitTopology} for the queues).
 *
 * <p>Every publish is persistent, mandatory and waits for the publisher confirm; an unroutable or
 * nacked message is an exception, never a silent loss. Consumers use manual acks with prefetch 1:
 * a worker holds only the message it is working on, so a long encode does not keep other messages
 * reserved behind it while other workers idle; each takes from the highest-priority queue that has
 * messages ready ({@link RabbitSubscription}). Consumers run on virtual threads, so hundreds of
 * concurrent downloads cost no platform threads.
 */
public final class RabbitTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(RabbitTransport.class);
    private static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_MARGIN = Duration.ofSeconds(10);
    private static final String DELIVERY_COUNT = "x-delivery-count";
    private static final DefaultMessagePropertiesConverter PROPERTIES = new DefaultMessagePropertiesConverter();
    /** Deliveries counted before a graceful release republished the message; see {@link RabbitDelivery}. */
    static final String CARRIED_DELIVERIES = "hlsfleet-deliveries";

    private final CachingConnectionFactory connectionFactory;
    private final boolean ownsConnectionFactory;
    private final RabbitTemplate template;
    private final RabbitAdmin admin;
    private final RabbitTopology topology;
    private final Set<RabbitSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final RabbitTemplate eventsTemplate;
    private final EventBus events = new RabbitEventBus(this);
    private static final AMQP.BasicProperties PERSISTENT_JSON = new AMQP.BasicProperties.Builder()
            .deliveryMode(2).contentType(MessageProperties.CONTENT_TYPE_JSON).build();
    private final Object bulkLock = new Object();
    private com.rabbitmq.client.Connection bulkConnection;
    private Channel bulkChannel;

    /**
     * Declares the fleet's queues on every new connection, so a broker that is down now, or comes
     * back empty, gets them once it is reachable; the constructor never waits for the broker.
     */
    public RabbitTransport(CachingConnectionFactory connectionFactory, boolean ownsConnectionFactory,
            RabbitTopology topology) {
        this.connectionFactory = connectionFactory;
        this.ownsConnectionFactory = ownsConnectionFactory;
        this.topology = topology;
        this.template = new RabbitTemplate(connectionFactory);
        this.template.setMandatory(true);
        this.admin = new RabbitAdmin(connectionFactory);
        this.eventsTemplate = new RabbitTemplate(connectionFactory);
        connectionFactory.addConnectionListener(connection -> declareTopology());
        try {
            connectionFactory.createConnection().close();
        } catch (AmqpException e) {
            log.warn("RabbitMQ at {}:{} is not reachable yet ({}); consumers wait for it", connectionFactory.getHost(),
                    connectionFactory.getPort(), e.getMessage());
        }
    }

    private void declareTopology() {
        admin.declareExchange(RabbitEventBus.EXCHANGE_DECLARATION);
        admin.declareQueue(RabbitTopology.undeliveredWebhooksQueue());
        for (Stage stage : Stage.values()) {
            topology.queues(stage).forEach(admin::declareQueue);
            moveLegacyDeadLetters(stage);
        }
    }

    /**
     * Dead letters of older releases sit in a quorum queue ({@code hlsfleet.<stage>.dlq}), where
     * every listing counted as a delivery. They are moved, once, to the classic dead-letter queue;
     * the empty old queue is left for the operator to delete.
     */
    private void moveLegacyDeadLetters(Stage stage) {
        String legacy = RabbitTopology.legacyDeadLetterQueue(stage);
        var info = admin.getQueueInfo(legacy);
        if (info == null || info.getMessageCount() == 0) {
            return;
        }
        Integer moved = template.execute(channel -> QueueWalk.walk(channel, legacy, Long.MAX_VALUE, body -> {
            send(RabbitTopology.deadLetterQueue(stage), body, null, Map.of());
            return true;
        }));
        log.info("moved {} dead letter(s) from {} to {}; delete {} once nothing uses it", moved, legacy,
                RabbitTopology.deadLetterQueue(stage), legacy);
    }

    /** Names a connection after the process it belongs to, so the broker's list tells them apart. */
    public static final ConnectionNameStrategy CONNECTION_NAME = cf -> "hlsfleet-" + ProcessHandle.current().pid();

    /** A connection factory with confirms, returns and heartbeats, from the fleet's settings. */
    public static CachingConnectionFactory connectionFactory(FleetConfig.RabbitSettings settings) {
        CachingConnectionFactory factory = new CachingConnectionFactory(settings.host(), settings.port());
        factory.setUsername(settings.username());
        factory.setPassword(settings.password());
        factory.setVirtualHost(settings.virtualHost());
        factory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
        factory.setPublisherReturns(true);
        factory.setRequestedHeartBeat(30);
        factory.setConnectionNameStrategy(CONNECTION_NAME);
        useTls(factory.getRabbitConnectionFactory(), settings);
        return factory;
    }

    /**
     * TLS when the settings ask for it, as Spring Boot's factory does it for the workers: the
     * JVM's default trust store, and the broker's host name checked against its certificate.
     */
    private static void useTls(com.rabbitmq.client.ConnectionFactory factory, FleetConfig.RabbitSettings settings) {
        if (!settings.ssl().enabled()) {
            return;
        }
        factory.useSslProtocol(BrokerTls.context());
        factory.enableHostnameVerification();
    }

    public static RabbitTransport connect(FleetConfig config) {
        return new RabbitTransport(connectionFactory(config.rabbit()), true,
                new RabbitTopology(config.retryPolicy().delays(), config.consumerTimeout()));
    }

    /**
     * A transport on a connection factory someone else owns and closes (a worker's is Spring
     * Boot's, configured with confirms and returns).
     */
    public static RabbitTransport connect(FleetConfig config, CachingConnectionFactory shared) {
        return new RabbitTransport(shared, false,
                new RabbitTopology(config.retryPolicy().delays(), config.consumerTimeout()));
    }

    public ConnectionFactory connectionFactory() {
        return connectionFactory;
    }

    @Override
    public void publish(Stage stage, Job job) {
        send(RabbitTopology.queue(stage, job.priority()), JobCodec.encode(job), null, Map.of());
    }

    /** One batch on the bulk channel: see {@link #publishBatch}. */
    @Override
    public void publishAll(Stage stage, List<Job> jobs) {
        publishBatch("", jobs.stream().map(job -> RabbitTopology.queue(stage, job.priority())).toList(),
                jobs.stream().map(JobCodec::encode).toList(), true);
    }

    @Override
    public void publishRaw(Stage stage, byte[] body) {
        send(RabbitTopology.queue(stage), body, null, Map.of());
    }

    @Override
    public EventBus events() {
        return events;
    }

    /**
     * Publishes {@code body} to {@code exchange}, persistent and confirmed; not mandatory, since
     * an exchange's subscribers decide what they take.
     */
    void sendToExchange(String exchange, String routingKey, byte[] body) {
        MessageProperties properties = new MessageProperties();
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        CorrelationData correlation = new CorrelationData(UUID.randomUUID().toString());
        try {
            eventsTemplate.send(exchange, routingKey, new Message(body, properties), correlation);
        } catch (AmqpException e) {
            throw new TransportException("RabbitMQ did not take the message for " + exchange, e);
        }
        awaitConfirm(correlation, exchange);
    }

    /** {@link #sendToExchange} for many messages at once: see {@link #publishBatch}. */
    void sendAllToExchange(String exchange, List<String> routingKeys, List<byte[]> bodies) {
        publishBatch(exchange, routingKeys, bodies, false);
    }

    /**
     * Publishes a batch, persistent, on a plain channel in confirm mode of a connection of its own,
     * and waits for the broker to confirm all of it at once ({@code waitForConfirmsOrDie}).
     * Spring's correlated confirms cost a future, a correlation header and a map entry per message
     * and settle them one by one, which made a 100,000-line {@code hlsfleet submit} take minutes;
     * a batch needs only to know that all of it was taken. A nack, a return of a mandatory
     * message, a timeout or a lost connection fails the whole batch (some of it may be queued).
     */
    private void publishBatch(String exchange, List<String> routingKeys, List<byte[]> bodies, boolean mandatory) {
        if (bodies.isEmpty()) {
            return;
        }
        synchronized (bulkLock) {
            AtomicReference<String> returned = new AtomicReference<>();
            ReturnListener onReturn = null;
            String where = exchange.isEmpty() ? routingKeys.getFirst() : exchange;
            Channel channel = null;
            try {
                channel = bulkChannel();
                onReturn = channel.addReturnListener(
                        r -> returned.compareAndSet(null, r.getRoutingKey() + ": " + r.getReplyText()));
                for (int i = 0; i < bodies.size(); i++) {
                    channel.basicPublish(exchange, routingKeys.get(i), mandatory, PERSISTENT_JSON, bodies.get(i));
                }
                channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeBulkConnection();
                throw new TransportException("interrupted while waiting for RabbitMQ to confirm", e);
            } catch (IOException | TimeoutException | RuntimeException e) {
                closeBulkConnection();
                throw new TransportException("RabbitMQ did not confirm " + bodies.size() + " messages for " + where, e);
            } finally {
                if (onReturn != null && channel.isOpen()) {
                    channel.removeReturnListener(onReturn);
                }
            }
            if (returned.get() != null) {
                throw new TransportException("RabbitMQ could not route a message of the batch to " + returned.get());
            }
        }
    }

    /**
     * The bulk channel, opened on first use. The fleet's queues are declared through the shared
     * connection first, so a broker that came back empty has them before the batch is routed.
     */
    private Channel bulkChannel() throws IOException, TimeoutException {
        if (bulkChannel == null || !bulkChannel.isOpen()) {
            closeBulkConnection();
            connectionFactory.createConnection().close();
            bulkConnection = connectionFactory.getRabbitConnectionFactory()
                    .newConnection(CONNECTION_NAME.obtainNewConnectionName(connectionFactory) + "-bulk");
            bulkChannel = bulkConnection.createChannel();
            bulkChannel.confirmSelect();
        }
        return bulkChannel;
    }

    private void closeBulkConnection() {
        com.rabbitmq.client.Connection connection = bulkConnection;
        bulkConnection = null;
        bulkChannel = null;
        if (connection != null && connection.isOpen()) {
            try {
                connection.close();
            } catch (IOException | RuntimeException e) {
                log.debug("closing the bulk publishing connection failed", e);
            }
        }
    }

    /** Queues {@code body} on {@code queue}, persistent, waiting for the broker's confirm. */
    void sendToQueue(String queue, byte[] body) {
        send(queue, body, null, Map.of());
    }

    /** Runs {@code action} on a channel of the shared connection. */
    <T> T onChannel(org.springframework.amqp.rabbit.core.ChannelCallback<T> action) {
        return template.execute(action);
    }

    /** Deletes every message of {@code queue}; returns how many there were. */
    int purgeQueue(String queue) {
        return admin.purgeQueue(queue);
    }

    private void send(String queue, byte[] body, Long expirationMillis, Map<String, Object> headers) {
        MessageProperties properties = new MessageProperties();
        headers.forEach(properties::setHeader);
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        if (expirationMillis != null) {
            properties.setExpiration(Long.toString(expirationMillis));
        }
        CorrelationData correlation = new CorrelationData(UUID.randomUUID().toString());
        try {
            template.send("", queue, new Message(body, properties), correlation);
        } catch (AmqpException e) {
            throw new TransportException("RabbitMQ did not take the message for " + queue, e);
        }
        awaitConfirm(correlation, queue);
    }

    /** Waits for the broker's confirm of one message; throws if it was returned, nacked or not confirmed. */
    private static void awaitConfirm(CorrelationData correlation, String queue) {
        try {
            CorrelationData.Confirm confirm = correlation.getFuture().get(CONFIRM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (correlation.getReturned() != null) {
                throw new TransportException("RabbitMQ could not route the message to " + queue + ": "
                        + correlation.getReturned().getReplyText());
            }
            if (!confirm.ack()) {
                throw new TransportException("RabbitMQ refused the message for " + queue + ": " + confirm.reason());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while waiting for RabbitMQ to confirm", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new TransportException("RabbitMQ did not confirm the message for " + queue, e);
        }
    }

    @Override
    public Subscription subscribe(Stage stage, int concurrency, DeliveryHandler handler) {
        RabbitSubscription subscription = new RabbitSubscription(stage, concurrency, handler);
        subscriptions.add(subscription);
        return subscription;
    }

    @Override
    public Map<Stage, Long> queueDepths() {
        Map<Stage, Long> depths = new EnumMap<>(Stage.class);
        for (Stage stage : Stage.values()) {
            long depth = 0;
            for (String queue : RabbitTopology.workQueues(stage)) {
                var info = admin.getQueueInfo(queue);
                depth += info == null ? 0L : info.getMessageCount();
            }
            depths.put(stage, depth);
        }
        return depths;
    }

    @Override
    public List<DeadLetter> deadLetters(Stage stage, int limit) {
        List<DeadLetter> letters = new ArrayList<>();
        walkDeadLetters(stage, letter -> {
            if (letters.size() < limit) {
                letters.add(letter);
            }
            return false;
        });
        return letters;
    }

    @Override
    public int requeueDeadLetters(Stage stage, List<String> jobIds) {
        return walkDeadLetters(stage, letter -> {
            if (letter.job() == null || !(jobIds.isEmpty() || jobIds.contains(letter.jobId()))) {
                return false;
            }
            publish(stage, letter.job().firstAttempt());
            return true;
        });
    }

    @Override
    public int removeDeadLetters(Stage stage, List<String> jobIds) {
        return walkDeadLetters(stage, letter -> letter.job() != null && jobIds.contains(letter.jobId()));
    }

    /**
     * Takes every dead letter of {@code stage} and removes those {@code take} accepts (it may queue
     * them elsewhere first); see {@link QueueWalk}. The dead-letter queue is classic, so a listing
     * changes nothing.
     *
     * @return how many were removed
     */
    private int walkDeadLetters(Stage stage, Predicate<DeadLetter> take) {
        String queue = RabbitTopology.deadLetterQueue(stage);
        Integer taken = template.execute(channel -> QueueWalk.walk(channel, queue, Long.MAX_VALUE,
                body -> take.test(readDeadLetter(stage, body))));
        return taken == null ? 0 : taken;
    }

    /** A dead letter as stored, or, if something else was put on the queue, a letter saying so. */
    private static DeadLetter readDeadLetter(Stage stage, byte[] body) {
        try {
            return JobCodec.decodeDeadLetter(body);
        } catch (RuntimeException e) {
            return DeadLetter.unreadable(stage, new String(body, StandardCharsets.UTF_8), e);
        }
    }

    @Override
    public int purgeDeadLetters(Stage stage) {
        return admin.purgeQueue(RabbitTopology.deadLetterQueue(stage));
    }

    @Override
    public void close() {
        subscriptions.forEach(s -> s.stop(Duration.ZERO));
        synchronized (bulkLock) {
            closeBulkConnection();
        }
        if (ownsConnectionFactory) {
            connectionFactory.destroy();
        }
    }

    /**
     * The ready counts of a stage's queues, highest priority first, shared by the consumers of one
     * worker: at most one of them asks the broker (three passive declares) per {@code maxAge}, so
     * an idle download worker with dozens of slots costs the broker a few requests a second, not a
     * few per slot. A consumer claims one counted message; the others see it taken and do not all
     * rush at the same message.
     */
    private static final class ReadyCounts {

        private static final Duration MAX_AGE = Duration.ofMillis(250);
        private final List<String> queues;
        private final long[] counts;
        private long readAt;
        private boolean read;

        ReadyCounts(List<String> queues) {
            this.queues = queues;
            this.counts = new long[queues.size()];
        }

        /** The highest queue with a message no other consumer of this worker has claimed, or null. */
        synchronized String claim(Channel channel) throws IOException {
            if (!read || System.nanoTime() - readAt >= MAX_AGE.toNanos()) {
                read = false;
                for (int i = 0; i < queues.size(); i++) {
                    counts[i] = channel.queueDeclarePassive(queues.get(i)).getMessageCount();
                }
                readAt = System.nanoTime();
                read = true;
            }
            for (int i = 0; i < queues.size(); i++) {
                if (counts[i] > 0) {
                    counts[i]--;
                    return queues.get(i);
                }
            }
            return null;
        }
    }

    /**
     * Consumers of one stage, each a virtual thread with a channel of its own, taking one message at
     * a time from the stage's queues, highest {@linkplain io.hlsfleet.job.Priority priority} first.
     *
     * <p>Why not one push consumer on every queue: prefetch counts per consumer, so a worker would
     * hold a message of each queue while it runs one job, a low job could sit reserved behind it,
     * and the broker, not the worker, would choose which queue's message comes next. Instead a
     * consumer claims the highest queue with messages ready ({@link ReadyCounts}: passive declares,
     * which are not deliveries), consumes from that queue alone with prefetch 1 until one message arrives, and
     * cancels that consumer before the message is settled, so the freed prefetch slot draws no
     * second message. While the job runs, the consumer stays registered on its queue, so the
     * queue's {@code x-consumer-timeout} applies to it as to any consumer's message. With no
     * message ready anywhere, a consumer looks again after {@link #IDLE_PAUSE}.
     */
    private final class RabbitSubscription extends ConsumerSkeleton {

        private static final Duration IDLE_PAUSE = Duration.ofMillis(250);
        /** How long a consumer waits for the message it saw before looking again (another worker may have taken it). */
        private static final Duration TAKE_WAIT = Duration.ofMillis(500);
        private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

        private final List<String> queues;
        private final ReadyCounts ready;
        private final List<Thread> consumers = new ArrayList<>();

        RabbitSubscription(Stage stage, int concurrency, DeliveryHandler handler) {
            super(stage, handler);
            this.queues = RabbitTopology.workQueues(stage);
            this.ready = new ReadyCounts(queues);
            for (int i = 0; i < concurrency; i++) {
                consumers.add(Thread.ofVirtual().name("hlsfleet-" + stage.id() + "-", i).start(this::consume));
            }
        }

        private void consume() {
            Slot slot = null;
            long backoffMillis = 0;
            try {
                while (running()) {
                    try {
                        if (slot == null || !slot.channel.isOpen()) {
                            slot = new Slot(connectionFactory.createConnection().createChannel(false));
                        }
                        Taken taken = null;
                        String queue = ready.claim(slot.channel);
                        if (queue != null) {
                            taken = slot.take(queue, TAKE_WAIT);
                        }
                        if (backoffMillis > 0) {
                            log.info("RabbitMQ reachable again for the {} consumers", stage().id());
                            backoffMillis = 0;
                        }
                        if (taken == null) {
                            if (queue == null) {
                                Thread.sleep(IDLE_PAUSE);
                            }
                            continue;
                        }
                        onMessage(taken, slot);
                    } catch (IOException | RuntimeException e) {
                        if (!running()) {
                            return;
                        }
                        if (backoffMillis == 0) {
                            log.warn("RabbitMQ unavailable for the {} consumers ({}); retrying with backoff", stage().id(),
                                    e.getMessage());
                        }
                        closeQuietly(slot);
                        slot = null;
                        backoffMillis = backoffMillis == 0 ? 100 : Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
                        Thread.sleep(backoffMillis);
                        redeclareQuietly();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(slot);
            }
        }

        private void onMessage(Taken taken, Slot slot) {
            MessageProperties properties = PROPERTIES.toMessageProperties(taken.properties(), taken.envelope(),
                    StandardCharsets.UTF_8.name());
            RabbitDelivery delivery = new RabbitDelivery(stage(), taken.queue(), new Message(taken.body(), properties),
                    slot.channel, slot::stopConsuming);
            // Unacked messages go back to the queue when their channel closes (a connection cut,
            // the broker closing it): the handler of such a message is working on someone else's job.
            ShutdownListener closed = cause -> delivery.lose("its channel closed (" + cause.getMessage()
                    + "); the broker has given the message back to the queue");
            slot.channel.addShutdownListener(closed);
            try {
                dispatch(delivery);
            } finally {
                slot.channel.removeShutdownListener(closed);
                slot.stopConsuming();
            }
        }

        /** A queue missing on a live connection (deleted by hand) is declared again. */
        private void redeclareQuietly() {
            try {
                declareTopology();
            } catch (RuntimeException e) {
                log.debug("could not declare the queues again", e);
            }
        }

        private void closeQuietly(Slot slot) {
            if (slot == null) {
                return;
            }
            try {
                // Closed for real, not returned to the connection factory's cache: a consumer's
                // channel must not outlive it.
                RabbitUtils.setPhysicalCloseRequired(slot.channel, true);
                slot.channel.close();
            } catch (IOException | TimeoutException | RuntimeException e) {
                log.debug("closing a {} consumer channel failed", stage().id(), e);
            } finally {
                RabbitUtils.setPhysicalCloseRequired(slot.channel, false);
            }
        }

        /** Consumers check {@link #running()} between messages; nothing to cancel here. */
        @Override
        protected void stopTaking(Duration grace) {
            subscriptions.remove(this);
        }

        @Override
        protected void awaitConsumers() throws InterruptedException {
            long deadline = System.nanoTime() + STOP_MARGIN.toNanos();
            for (Thread consumer : consumers) {
                consumer.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        }
    }

    /** A message as the broker delivered it, with the queue it came from. */
    private record Taken(String queue, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
    }

    /** One consumer's channel, and the broker consumer it registers on one queue at a time. */
    private static final class Slot {

        private static final Duration CANCEL_WAIT = Duration.ofSeconds(10);

        private final Channel channel;
        private final BlockingQueue<Taken> arrived = new LinkedBlockingQueue<>();
        private String consumerTag;
        private CountDownLatch cancelled;

        Slot(Channel channel) throws IOException {
            this.channel = channel;
            channel.basicQos(1);
        }

        /** The first of {@code queues} with messages ready, or null when none has any. */
        /** One message of {@code queue}, or null if none came within {@code wait}. */
        synchronized Taken take(String queue, Duration wait) throws IOException, InterruptedException {
            arrived.clear();
            CountDownLatch done = new CountDownLatch(1);
            cancelled = done;
            consumerTag = channel.basicConsume(queue, false, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                        byte[] body) {
                    arrived.add(new Taken(queue, envelope, properties, body));
                }

                @Override
                public void handleCancelOk(String tag) {
                    done.countDown();
                }

                @Override
                public void handleCancel(String tag) {
                    done.countDown();
                }

                @Override
                public void handleShutdownSignal(String tag, com.rabbitmq.client.ShutdownSignalException signal) {
                    done.countDown();
                }
            });
            Taken taken = arrived.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (taken == null) {
                stopConsuming();
                // A message delivered just before the cancel is this consumer's all the same.
                taken = arrived.poll();
            }
            return taken;
        }

        /**
         * Cancels the broker consumer, once its message is about to be settled: with prefetch 1 it
         * would otherwise be sent the next message of its queue the moment this one is acked.
         * Waits for the cancel to be confirmed, so that no delivery is still on its way.
         */
        synchronized void stopConsuming() {
            String tag = consumerTag;
            consumerTag = null;
            if (tag == null || !channel.isOpen()) {
                return;
            }
            try {
                channel.basicCancel(tag);
                if (!cancelled.await(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("RabbitMQ did not confirm the cancel of consumer {} within {} s", tag,
                            CANCEL_WAIT.toSeconds());
                }
            } catch (IOException | RuntimeException e) {
                log.debug("cancelling consumer {} failed; its channel closes with it", tag, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class RabbitDelivery extends AbstractDelivery {

        private final String queue;
        private final Message message;
        private final Channel channel;
        private final Runnable stopConsuming;

        /**
         * @param queue the queue the message came from
         * @param stopConsuming cancels the consumer that received it; run before any settlement
         */
        RabbitDelivery(Stage stage, String queue, Message message, Channel channel, Runnable stopConsuming) {
            super(stage, message.getBody());
            this.queue = queue;
            this.message = message;
            this.channel = channel;
            this.stopConsuming = stopConsuming;
        }

        /**
         * Deliveries counted by the broker (a quorum queue's {@code x-delivery-count}, else the
         * redelivered flag), plus those carried over by graceful releases, plus this one.
         */
        @Override
        public int deliveryCount() {
            MessageProperties properties = message.getMessageProperties();
            int carried = properties.getHeaders().get(CARRIED_DELIVERIES) instanceof Number n ? n.intValue() : 0;
            int counted;
            if (properties.getHeaders().get(DELIVERY_COUNT) instanceof Number n) {
                counted = n.intValue();
            } else {
                counted = Boolean.TRUE.equals(properties.getRedelivered()) ? 1 : 0;
            }
            return carried + counted + 1;
        }

        private long tag() {
            return message.getMessageProperties().getDeliveryTag();
        }

        @Override
        protected void sendAck() {
            stopConsuming.run();
            try {
                channel.basicAck(tag(), false);
            } catch (IOException | RuntimeException e) {
                throw new TransportException("could not ack on " + queue + "; the message will be delivered again", e);
            }
        }

        @Override
        protected void sendHandOff(Stage next, Priority priority, byte[] output) {
            send(RabbitTopology.queue(next, priority), output, null, Map.of());
            try {
                sendAck();
            } catch (TransportException e) {
                log.warn("job handed on to {}, but its {} message could not be acked; it will come back as a"
                        + " duplicate", next.id(), stage().id(), e);
            }
        }

        @Override
        protected void sendRetry(byte[] retry, Priority priority, Duration delay) {
            send(RabbitTopology.retryQueue(stage(), priority, topology.tierFor(delay)), retry, delay.toMillis(), Map.of());
            sendAck();
        }

        @Override
        protected void sendDeadLetter(byte[] deadLetter) {
            send(RabbitTopology.deadLetterQueue(stage()), deadLetter, null, Map.of());
            sendAck();
        }

        /**
         * A copy goes to the back of the queue carrying the deliveries counted so far, and this one
         * is acked: a return through the broker ({@code basic.nack}) would count as a delivery on
         * some versions and not on others.
         */
        @Override
        protected void sendRelease() {
            send(queue, body(), null, Map.of(CARRIED_DELIVERIES, deliveryCount() - 1));
            sendAck();
        }

        /** {@code basic.reject} with requeue: every RabbitMQ version counts it as a delivery. */
        @Override
        protected void sendAbandon() {
            stopConsuming.run();
            try {
                if (channel.isOpen()) {
                    channel.basicReject(tag(), true);
                }
            } catch (IOException | RuntimeException e) {
                throw new TransportException("could not give back a message on " + queue
                        + "; the broker returns it when the channel closes", e);
            }
        }
    }
}
