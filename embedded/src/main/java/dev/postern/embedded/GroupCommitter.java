package dev.postern.embedded;

import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.exception.MongoServerException;

/**
 * Commits the MVStore in groups: a write's reply waits until a commit that includes it has been
 * written to the file (the OS's page cache; there is no fsync). The first waiting writer commits
 * itself (no hand-off to another thread, so a lone writer pays one commit, about a millisecond);
 * writers arriving while that commit is being written wait and share the next one, so under load
 * one commit serves many writes. A {@code kill -9} therefore loses no acknowledged write; a power
 * cut may lose the last moments the OS had not yet flushed.
 */
final class GroupCommitter {

    private final MVStore store;

    // guarded by this
    private long requested;
    private long committed;
    private boolean committing;
    private boolean stopped;
    private RuntimeException failure;

    GroupCommitter(MVStore store) {
        this.store = store;
    }

    /** Called after a write has been applied: returns once it is in the store file. */
    void awaitDurable() {
        long ticket;
        synchronized (this) {
            // Every write holding a ticket up to `requested` was applied before it took its ticket.
            ticket = ++requested;
        }
        while (true) {
            long target;
            synchronized (this) {
                while (true) {
                    if (failure != null) {
                        throw failure;
                    }
                    if (committed >= ticket) {
                        return;
                    }
                    if (stopped) {
                        // Stopping before this write was committed: do not acknowledge it (the store
                        // is still written on close, but the client cannot be told it is).
                        throw new MongoServerException("the server is shutting down");
                    }
                    if (!committing) {
                        break;
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new MongoServerException("interrupted while committing");
                    }
                }
                committing = true;
                target = requested;
            }
            try {
                store.commit();
            } catch (RuntimeException e) {
                // The file cannot be written: answer no write as done and exit so that the
                // supervisor restarts the server on the last good commit.
                synchronized (this) {
                    failure = e;
                    committing = false;
                    notifyAll();
                }
                System.err.println("postern-embedded-mongo: commit failed, exiting: " + e);
                Runtime.getRuntime().halt(70);
                throw e;
            }
            synchronized (this) {
                committed = Math.max(committed, target);
                committing = false;
                notifyAll();
            }
        }
    }

    /** Lets the commit under way finish, then refuses to acknowledge further writes (the store's close writes the rest). */
    void stop() {
        synchronized (this) {
            stopped = true;
            notifyAll();
            while (committing) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
