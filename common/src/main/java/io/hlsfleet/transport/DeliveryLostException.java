package io.hlsfleet.transport;

/**
 * An outcome refused because the broker took the message back from this consumer first: nothing
 * was sent, and another consumer may be working on the job.
 */
public final class DeliveryLostException extends TransportException {

    public DeliveryLostException(String message) {
        super(message);
    }
}
