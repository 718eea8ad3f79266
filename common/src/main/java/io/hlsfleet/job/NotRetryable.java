package io.hlsfleet.job;

/**
 * Marks an exception that no retry can mend, such as a request the object store refuses as it
 * stands. {@link JobFailure#classify} turns it into a permanent failure whose reason is the
 * exception's message, wherever in the chain of causes it sits.
 */
public interface NotRetryable {
}
