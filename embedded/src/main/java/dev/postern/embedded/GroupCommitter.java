package dev.postern.embedded;

import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.exception.MongoServerException;

/**
 * Commits the MVStore in groups: a write's reply waits until a commit that includes it has been
 * written to the file (the OS's page cache; there is no fsync). Writers arriving while a commit is
 * being written share the next one, so under load one commit serves many writes, and a single
 * writer waits for about one commit (around a millisecond). A {@code kill -9} therefore loses no
 * acknowledged write; a power cut may lose the last moments the OS had not yet flushed.
 */
final class GroupCommitter {

    private final MVStore store;
    private final Thread thread;

    // guarded by this
    private long requested;
    private long committed;
    private boolean stopped;
    private RuntimeException failure;

    GroupCommitter(MVStore store) {
        this.store = store;
        this.thread = new Thread(this::run, "postern-group-commit");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Called after a write has been applied: returns once it is in the store file. */
    void awaitDurable() {
        synchronized (this) {
            long ticket = ++requested;
            notifyAll();
            boolean interrupted = false;
            while (committed < ticket && failure == null && !stopped) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw failure;
            }
            if (committed < ticket) {
                // Stopping before this write was committed: do not acknowledge it (the store is
                // still written on close, but the client cannot be told it is).
                throw new MongoServerException("the server is shutting down");
            }
        }
    }

    /** Stops committing (after the commit under way, if any); the store's close writes the rest. */
    void stop() {
        synchronized (this) {
            stopped = true;
            notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            long target;
            synchronized (this) {
                while (requested == committed && !stopped) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
                // Every write holding a ticket up to here was applied before it took its ticket.
                target = requested;
            }
            try {
                store.commit();
            } catch (RuntimeException e) {
                // The file cannot be written: answer no write as done and exit so that the
                // supervisor restarts the server on the last good commit.
                synchronized (this) {
                    failure = e;
                    notifyAll();
                }
                System.err.println("postern-embedded-mongo: commit failed, exiting: " + e);
                Runtime.getRuntime().halt(70);
                return;
            }
            synchronized (this) {
                committed = target;
                notifyAll();
            }
        }
    }
}
