package io.hlsfleet.transport;

/** The broker could not be reached or did not confirm an operation. */
public class TransportException extends RuntimeException {

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }

    public TransportException(String message) {
        super(message);
    }
}
