package io.hlsfleet.transport.rabbit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.Delivery;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
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
    private static final String DELIVERY_COUNT = "x-delivery-count";

    private final CachingConnectionFactory connectionFactory;
    private final boolean ownsConnectionFactory;
    private final RabbitTemplate template;
    private final RabbitAdmin admin;
    private final RabbitTopology topology;
    private final Set<RabbitSubscription> subscriptions = ConcurrentHashMap.newKeySet();

    public RabbitTransport(CachingConnectionFactory connectionFactory, boolean ownsConnectionFactory,
            RabbitTopology topology) {
        this.connectionFactory = connectionFactory;
        this.ownsConnectionFactory = ownsConnectionFactory;
        this.topology = topology;
        this.template = new RabbitTemplate(connectionFactory);
        this.template.setMandatory(true);
        this.admin = new RabbitAdmin(connectionFactory);
        for (Stage stage : Stage.values()) {
            topology.queues(stage).forEach(admin::declareQueue);
        }
    }

    /** A connection factory with confirms, returns and heartbeats, from the fleet's settings. */
    public static CachingConnectionFactory connectionFactory(FleetConfig.RabbitSettings settings) {
        CachingConnectionFactory factory = new CachingConnectionFactory(settings.host(), settings.port());
        factory.setUsername(settings.username());
        factory.setPassword(settings.password());
        factory.setVirtualHost(settings.virtualHost());
        factory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
        factory.setPublisherReturns(true);
        factory.setRequestedHeartBeat(30);
        factory.setConnectionNameStrategy(cf -> "hlsfleet-" + ProcessHandle.current().pid());
        return factory;
    }

    public static RabbitTransport connect(FleetConfig config) {
        return new RabbitTransport(connectionFactory(config.rabbit()), true,
                new RabbitTopology(config.retryPolicy().delays(), config.consumerTimeout()));
    }

    public ConnectionFactory connectionFactory() {
        return connectionFactory;
    }

    @Override
    public void publish(Stage stage, Job job) {
        send(RabbitTopology.queue(stage), JobCodec.encode(job), null);
    }

    @Override
    public void publishRaw(Stage stage, byte[] body) {
        send(RabbitTopology.queue(stage), body, null);
    }

    private void send(String queue, byte[] body, Long expirationMillis) {
        MessageProperties properties = new MessageProperties();
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        if (expirationMillis != null) {
            properties.setExpiration(Long.toString(expirationMillis));
        }
        CorrelationData correlation = new CorrelationData(UUID.randomUUID().toString());
        template.send("", queue, new Message(body, properties), correlation);
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
        // Read without acking, then put them back. A quorum queue appends returned messages at its
        // tail, so all of them are taken off before any goes back; otherwise listing the first few
        // would move them behind the rest.
        return template.execute(channel -> {
            List<DeadLetter> letters = new ArrayList<>();
            GetResponse response;
            while ((response = channel.basicGet(RabbitTopology.deadLetterQueue(stage), false)) != null) {
                if (letters.size() < limit) {
                    letters.add(JobCodec.decodeDeadLetter(response.getBody()));
                }
            }
            channel.basicRecover(true);
            return letters;
        });
    }

    @Override
    public int requeueDeadLetters(Stage stage, List<String> jobIds) {
        Integer requeued = template.execute(channel -> {
            int count = 0;
            long lastSkipped = -1;
            GetResponse response;
            while ((response = channel.basicGet(RabbitTopology.deadLetterQueue(stage), false)) != null) {
                long tag = response.getEnvelope().getDeliveryTag();
                DeadLetter letter = JobCodec.decodeDeadLetter(response.getBody());
                if (letter.job() != null && (jobIds.isEmpty() || jobIds.contains(letter.jobId()))) {
                    publish(stage, letter.job().firstAttempt());
                    channel.basicAck(tag, false);
                    count++;
                } else {
                    lastSkipped = tag;
                }
            }
            if (lastSkipped >= 0) {
                // One return for all the letters kept, so they stay in their order.
                channel.basicNack(lastSkipped, true, true);
            }
            return count;
        });
        return requeued == null ? 0 : requeued;
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

    private final class RabbitSubscription implements Subscription, ChannelAwareMessageListener {

        private final Stage stage;
        private final DeliveryHandler handler;
        private final SimpleMessageListenerContainer container;
        private final Set<Thread> working = ConcurrentHashMap.newKeySet();

        RabbitSubscription(Stage stage, int concurrency, DeliveryHandler handler) {
            this.stage = stage;
            this.handler = handler;
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
            container.setMessageListener(this);
            container.afterPropertiesSet();
            container.start();
        }

        @Override
        public void onMessage(Message message, Channel channel) throws IOException {
            long tag = message.getMessageProperties().getDeliveryTag();
            Job job;
            try {
                job = JobCodec.decode(message.getBody(), stage);
            } catch (JobCodec.MalformedJobException e) {
                log.warn("dead-lettering a malformed message on {}: {}", RabbitTopology.queue(stage), e.getMessage());
                send(RabbitTopology.deadLetterQueue(stage), JobCodec.encode(DeadLetter.unreadable(stage,
                        new String(message.getBody(), StandardCharsets.UTF_8), e)), null);
                channel.basicAck(tag, false);
                return;
            }
            RabbitDelivery delivery = new RabbitDelivery(stage, job, message, channel);
            working.add(Thread.currentThread());
            try {
                handler.handle(delivery);
            } finally {
                working.remove(Thread.currentThread());
                Thread.interrupted();
                delivery.release();
            }
        }

        @Override
        public void stop(Duration grace) {
            subscriptions.remove(this);
            // Stop taking messages at once; the container waits for listeners still running.
            container.setShutdownTimeout(grace.toMillis() + 10_000);
            Thread interrupter = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(grace);
                    working.forEach(Thread::interrupt);
                } catch (InterruptedException finished) {
                    // All listeners returned within the grace period.
                }
            });
            container.stop();
            interrupter.interrupt();
            container.destroy();
        }
    }

    private final class RabbitDelivery implements Delivery {

        private final Stage stage;
        private final Job job;
        private final Message message;
        private final Channel channel;
        private final AtomicBoolean settled = new AtomicBoolean();

        RabbitDelivery(Stage stage, Job job, Message message, Channel channel) {
            this.stage = stage;
            this.job = job;
            this.message = message;
            this.channel = channel;
        }

        @Override
        public Job job() {
            return job;
        }

        @Override
        public int deliveryCount() {
            Object count = message.getMessageProperties().getHeaders().get(DELIVERY_COUNT);
            if (count instanceof Number n) {
                // Quorum queues count earlier deliveries; this one makes one more.
                return n.intValue() + 1;
            }
            return Boolean.TRUE.equals(message.getMessageProperties().getRedelivered()) ? 2 : 1;
        }

        private long tag() {
            return message.getMessageProperties().getDeliveryTag();
        }

        @Override
        public void ack() {
            if (settled.compareAndSet(false, true)) {
                basicAck();
            }
        }

        @Override
        public void retryLater(Job retry, Duration delay) {
            if (settled.compareAndSet(false, true)) {
                send(RabbitTopology.retryQueue(stage, topology.tierFor(delay)), JobCodec.encode(retry), delay.toMillis());
                basicAck();
            }
        }

        @Override
        public void deadLetter(DeadLetter deadLetter) {
            if (settled.compareAndSet(false, true)) {
                send(RabbitTopology.deadLetterQueue(stage), JobCodec.encode(deadLetter), null);
                basicAck();
            }
        }

        @Override
        public void release() {
            if (settled.compareAndSet(false, true)) {
                try {
                    if (channel.isOpen()) {
                        channel.basicNack(tag(), false, true);
                    }
                } catch (IOException | RuntimeException e) {
                    // The channel is gone, and with it the broker has already requeued the message.
                    log.debug("could not nack; the broker requeues on channel close", e);
                }
            }
        }

        private void basicAck() {
            try {
                channel.basicAck(tag(), false);
            } catch (IOException e) {
                throw new TransportException("could not ack on " + RabbitTopology.queue(stage)
                        + "; the message will be delivered again", e);
            }
        }
    }
}
