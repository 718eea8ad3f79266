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

    /**
     * The refusal behind {@code error}, or null: HTTP clients wrap what their DNS hook throws, so a
     * refusal may sit several causes deep.
     */
    public static RefusedDestination causeOf(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RefusedDestination refused) {
                return refused;
            }
        }
        return null;
    }
}
