package io.hlsfleet.net;

import java.net.UnknownHostException;

/**
 * Raised when an SSRF guard refuses an address. It is an {@link UnknownHostException} so that it
 * can leave the HTTP client's DNS hook, which is where the check happens for every connection.
 */
public final class RefusedDestination extends UnknownHostException {

    public RefusedDestination(String reason) {
        super(reason);
    }
}
