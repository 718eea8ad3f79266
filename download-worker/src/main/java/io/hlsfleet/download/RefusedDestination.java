package io.hlsfleet.download;

import java.net.UnknownHostException;

/**
 * Raised when the SSRF guard refuses an address. It is an {@link UnknownHostException} so that it
 * can leave the HTTP client's DNS hook, which is where the check happens for every connection.
 */
final class RefusedDestination extends UnknownHostException {

    RefusedDestination(String reason) {
        super(reason);
    }
}
