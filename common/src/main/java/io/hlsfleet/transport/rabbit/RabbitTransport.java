package io.hlsfleet.transport.rabbit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownListener;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.events.EventBus;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionNameStrategy;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.amqp.rabbit.listener.api.ChannelAwareMessageListener;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The fleet's queues on RabbitMQ through Spring AMQP (see {@link RabbitTopology} for the queues).
 *
 * <p>Every publish is persistent, mandatory and waits for the publisher confirm; an unroutable or
 * nacked message is an exception, never a silent loss. Consumers use manual acks with prefetch 1:
 * a worker holds only the message it is working on, so a long encode does not keep other messages
 * reserved behind it while other workers idle. Consumers run on virtual threads, so hundreds of
 * concurrent downloads cost no platform threads.
 */
public final class RabbitTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(RabbitTransport.class);
    private static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RECOVERY_INTERVAL = Duration.ofSeconds(2);
    private static final Duration STOP_MARGIN = Duration.ofSeconds(10);
    private static final String DELIVERY_COUNT = "x-delivery-count";
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
        Integer moved = template.execute(channel -> {
            int count = 0;
            GetResponse response;
            while ((response = channel.basicGet(legacy, false)) != null) {
                send(RabbitTopology.deadLetterQueue(stage), response.getBody(), null, Map.of());
                channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
                count++;
            }
            return count;
        });
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
        send(RabbitTopology.queue(stage), JobCodec.encode(job), null, Map.of());
    }

    /** Sent on one channel, then every confirm awaited: one round trip's wait for the whole batch. */
    @Override
    public void publishAll(Stage stage, List<Job> jobs) {
        String queue = RabbitTopology.queue(stage);
        List<CorrelationData> sent = new ArrayList<>(jobs.size());
        try {
            template.invoke(operations -> {
                for (Job job : jobs) {
                    CorrelationData correlation = new CorrelationData(UUID.randomUUID().toString());
                    operations.send("", queue, new Message(JobCodec.encode(job), persistentJson()), correlation);
                    sent.add(correlation);
                }
                return null;
            });
        } catch (AmqpException e) {
            throw new TransportException("RabbitMQ did not take " + jobs.size() + " messages for " + queue, e);
        }
        for (CorrelationData correlation : sent) {
            awaitConfirm(correlation, queue);
        }
    }

    private static MessageProperties persistentJson() {
        MessageProperties properties = new MessageProperties();
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        return properties;
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

    /** {@link #sendToExchange} for many messages on one channel, their confirms awaited together. */
    void sendAllToExchange(String exchange, List<String> routingKeys, List<byte[]> bodies) {
        List<CorrelationData> sent = new ArrayList<>(bodies.size());
        try {
            eventsTemplate.invoke(operations -> {
                for (int i = 0; i < bodies.size(); i++) {
                    CorrelationData correlation = new CorrelationData(UUID.randomUUID().toString());
                    operations.send(exchange, routingKeys.get(i), new Message(bodies.get(i), persistentJson()),
                            correlation);
                    sent.add(correlation);
                }
                return null;
            });
        } catch (AmqpException e) {
            throw new TransportException("RabbitMQ did not take the messages for " + exchange, e);
        }
        for (CorrelationData correlation : sent) {
            awaitConfirm(correlation, exchange);
        }
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
            var info = admin.getQueueInfo(RabbitTopology.queue(stage));
            depths.put(stage, info == null ? 0L : info.getMessageCount());
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
     * Takes every dead letter of {@code stage} on one channel without acking it, removes those
     * {@code take} accepts (it may queue them elsewhere first), and returns the others with one
     * {@code basic.nack}. The dead-letter queue is a classic queue, which counts no deliveries and
     * puts returned messages back where they were, so a listing changes nothing.
     *
     * @return how many were removed
     */
    private int walkDeadLetters(Stage stage, Predicate<DeadLetter> take) {
        String queue = RabbitTopology.deadLetterQueue(stage);
        Integer taken = template.execute(channel -> {
            int count = 0;
            long lastKept = -1;
            GetResponse response;
            while ((response = channel.basicGet(queue, false)) != null) {
                long tag = response.getEnvelope().getDeliveryTag();
                if (take.test(readDeadLetter(stage, response.getBody()))) {
                    channel.basicAck(tag, false);
                    count++;
                } else {
                    lastKept = tag;
                }
            }
            if (lastKept >= 0) {
                channel.basicNack(lastKept, true, true);
            }
            return count;
        });
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
        if (ownsConnectionFactory) {
            connectionFactory.destroy();
        }
    }

    private final class RabbitSubscription extends ConsumerSkeleton implements ChannelAwareMessageListener {

        private final SimpleMessageListenerContainer container;
        private Thread stopper;

        RabbitSubscription(Stage stage, int concurrency, DeliveryHandler handler) {
            super(stage, handler);
            SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("hlsfleet-" + stage.id() + "-");
            executor.setVirtualThreads(true);
            container = new SimpleMessageListenerContainer(connectionFactory);
            container.setQueueNames(RabbitTopology.queue(stage));
            container.setAcknowledgeMode(AcknowledgeMode.MANUAL);
            container.setPrefetchCount(1);
            container.setConcurrentConsumers(concurrency);
            container.setMaxConcurrentConsumers(concurrency);
            container.setTaskExecutor(executor);
            container.setDefaultRequeueRejected(false);
            // A broker that is down, or has not declared the queue yet, is waited for: consumers
            // try again every few seconds instead of giving up.
            container.setMissingQueuesFatal(false);
            container.setRecoveryInterval(RECOVERY_INTERVAL.toMillis());
            container.setMessageListener(this);
            container.afterPropertiesSet();
            container.start();
        }

        @Override
        public void onMessage(Message message, Channel channel) {
            RabbitDelivery delivery = new RabbitDelivery(stage(), message, channel);
            // Unacked messages go back to the queue when their channel closes (a connection cut,
            // the broker closing it): the handler of such a message is working on someone else's job.
            ShutdownListener closed = cause -> delivery.lose("its channel closed (" + cause.getMessage()
                    + "); the broker has given the message back to the queue");
            channel.addShutdownListener(closed);
            try {
                dispatch(delivery);
            } finally {
                channel.removeShutdownListener(closed);
            }
        }

        /** Cancels the consumers at once; the container then waits for the listeners still running. */
        @Override
        protected void stopTaking(Duration grace) {
            subscriptions.remove(this);
            container.setShutdownTimeout(grace.plus(STOP_MARGIN).toMillis());
            stopper = Thread.ofVirtual().name("hlsfleet-" + stage().id() + "-stopping").start(container::stop);
        }

        @Override
        protected void awaitConsumers() throws InterruptedException {
            stopper.join(STOP_MARGIN);
        }

        @Override
        protected void stopped() {
            container.destroy();
        }
    }

    private final class RabbitDelivery extends AbstractDelivery {

        private final Message message;
        private final Channel channel;

        RabbitDelivery(Stage stage, Message message, Channel channel) {
            super(stage, message.getBody());
            this.message = message;
            this.channel = channel;
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
            try {
                channel.basicAck(tag(), false);
            } catch (IOException | RuntimeException e) {
                throw new TransportException("could not ack on " + RabbitTopology.queue(stage())
                        + "; the message will be delivered again", e);
            }
        }

        @Override
        protected void sendHandOff(Stage next, byte[] output) {
            send(RabbitTopology.queue(next), output, null, Map.of());
            try {
                sendAck();
            } catch (TransportException e) {
                log.warn("job handed on to {}, but its {} message could not be acked; it will come back as a"
                        + " duplicate", next.id(), stage().id(), e);
            }
        }

        @Override
        protected void sendRetry(byte[] retry, Duration delay) {
            send(RabbitTopology.retryQueue(stage(), topology.tierFor(delay)), retry, delay.toMillis(), Map.of());
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
            send(RabbitTopology.queue(stage()), body(), null, Map.of(CARRIED_DELIVERIES, deliveryCount() - 1));
            sendAck();
        }

        /** {@code basic.reject} with requeue: every RabbitMQ version counts it as a delivery. */
        @Override
        protected void sendAbandon() {
            try {
                if (channel.isOpen()) {
                    channel.basicReject(tag(), true);
                }
            } catch (IOException | RuntimeException e) {
                throw new TransportException("could not give back a message on " + RabbitTopology.queue(stage())
                        + "; the broker returns it when the channel closes", e);
            }
        }
    }
}
