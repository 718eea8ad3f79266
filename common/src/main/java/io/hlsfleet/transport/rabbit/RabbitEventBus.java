package io.hlsfleet.transport.rabbit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.transport.TransportException;
import io.hlsfleet.webhook.UndeliveredWebhooks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.MessageListener;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;

/**
 * Job events on RabbitMQ: a durable topic exchange, {@value EventBus#EXCHANGE}, declared by every
 * fleet process. Events are persistent and confirmed but not mandatory: an event nobody has bound
 * a queue for is dropped by the broker, as a topic's subscribers expect. A subscriber binds a queue
 * of its own, durable when it must not miss events while it is away, or (as {@link #follow} does)
 * exclusive for as long as it is connected.
 */
final class RabbitEventBus implements EventBus {

    private static final Logger log = LoggerFactory.getLogger(RabbitEventBus.class);

    static final TopicExchange EXCHANGE_DECLARATION = new TopicExchange(EXCHANGE, true, false);

    private final RabbitTransport transport;
    private final UndeliveredWebhooks undelivered;

    RabbitEventBus(RabbitTransport transport) {
        this.transport = transport;
        this.undelivered = new RabbitUndeliveredWebhooks(transport);
    }

    @Override
    public UndeliveredWebhooks undeliveredWebhooks() {
        return undelivered;
    }

    @Override
    public void publish(JobEvent event) {
        transport.sendToExchange(EXCHANGE, event.routingKey(), JobCodec.toJson(event).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void publishAll(List<JobEvent> events) {
        transport.sendAllToExchange(EXCHANGE, events.stream().map(JobEvent::routingKey).toList(),
                events.stream().map(e -> JobCodec.toJson(e).getBytes(StandardCharsets.UTF_8)).toList());
    }

    /**
     * A durable queue of its own for the group, bound to each pattern, consumed by a Spring AMQP
     * listener container (which reconnects by itself) with one unacknowledged event per consumer:
     * an event is acked when the handler returns and requeued when it throws.
     */
    @Override
    public Feed share(String group, List<String> patterns, int concurrency, Consumer<JobEvent> handler) {
        String queueName = EXCHANGE + "." + group;
        RabbitAdmin admin = new RabbitAdmin(transport.connectionFactory());
        Queue queue = new Queue(queueName, true);
        try {
            admin.declareExchange(EXCHANGE_DECLARATION);
            admin.declareQueue(queue);
            for (String pattern : patterns) {
                admin.declareBinding(BindingBuilder.bind(queue).to(EXCHANGE_DECLARATION).with(pattern));
            }
        } catch (RuntimeException e) {
            throw new TransportException("could not declare " + queueName + " bound to " + EXCHANGE, e);
        }
        SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(transport.connectionFactory());
        container.setQueueNames(queueName);
        container.setConcurrentConsumers(concurrency);
        container.setPrefetchCount(1);
        container.setAcknowledgeMode(AcknowledgeMode.AUTO);
        container.setDefaultRequeueRejected(true);
        container.setMessageListener((MessageListener) message -> {
            JobEvent event;
            try {
                event = JobCodec.fromJson(new String(message.getBody(), StandardCharsets.UTF_8), JobEvent.class);
            } catch (RuntimeException e) {
                log.warn("skipped a message on {} that is not a job event: {}", queueName, e.getMessage());
                return;
            }
            handler.accept(event);
        });
        container.afterPropertiesSet();
        container.start();
        return () -> {
            container.stop();
            container.destroy();
        };
    }

    @Override
    public Feed follow(String pattern, Consumer<JobEvent> consumer) {
        Connection connection = transport.connectionFactory().createConnection();
        Channel channel = connection.createChannel(false);
        String consumerTag;
        try {
            channel.exchangeDeclare(EXCHANGE, "topic", true);
            String queue = channel.queueDeclare("", false, true, true, null).getQueue();
            channel.queueBind(queue, EXCHANGE, pattern);
            consumerTag = channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                        byte[] body) {
                    try {
                        consumer.accept(JobCodec.fromJson(new String(body, StandardCharsets.UTF_8), JobEvent.class));
                    } catch (RuntimeException e) {
                        log.warn("skipped an event on {} that is not a job event: {}", envelope.getRoutingKey(),
                                e.getMessage());
                    }
                }
            });
        } catch (IOException e) {
            connection.close();
            throw new TransportException("could not subscribe to " + EXCHANGE, e);
        }
        return () -> {
            try {
                // A cached channel outlives close(): the consumer must be cancelled (which also
                // deletes its auto-delete queue) or it would go on delivering.
                channel.basicCancel(consumerTag);
                channel.close();
            } catch (IOException | TimeoutException | RuntimeException e) {
                log.debug("closing the events channel failed", e);
            }
            connection.close();
        };
    }
}
