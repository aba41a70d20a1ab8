package dev.postern.embedded;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.List;

import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreTool;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;

/**
 * Postern's embedded database: mongo-java-server with its H2 (MVStore) backend in one file.
 *
 * <pre>java -jar postern-embedded-mongo.jar --port 27017 --file data/embedded/postern.mv.db [--host 127.0.0.1]</pre>
 *
 * Prints {@code postern-embedded-mongo ready 127.0.0.1:PORT} once it accepts connections and exits 0
 * on SIGTERM after writing the store. See docs/storage.md for what it serves and its limits.
 */
public final class EmbeddedMongo {

    /**
     * The version presented to drivers. mongo-java-server 1.47 reports MongoDB 5.0 / wire version 8,
     * which the MongoDB Node driver 7 refuses (it needs wire version 9, MongoDB 4.4). We present 4.4
     * (wire 9), the lowest the driver accepts. The handshake still carries no
     * logicalSessionTimeoutMinutes, so the driver uses no sessions, transactions or retryable writes.
     */
    static final MongoVersion PRESENTED_VERSION = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    };

    private EmbeddedMongo() {
    }

    public static void main(String[] args) {
        // Before any logger exists: only warnings and errors, on stderr.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");

        String host = "127.0.0.1";
        int port = -1;
        String file = null;
        int workers = 16;
        boolean watchParent = false;
        int cacheMb = 256;
        boolean compact = true;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--host" -> host = require(args[i], value);
                case "--port" -> port = Integer.parseInt(require(args[i], value));
                case "--file" -> file = require(args[i], value);
                case "--workers" -> workers = Integer.parseInt(require(args[i], value));
                case "--cache-mb" -> cacheMb = Integer.parseInt(require(args[i], value));
                case "--exit-when-stdin-closes" -> {
                    watchParent = true;
                    i--; // a flag without a value
                }
                case "--compact" -> compact = Boolean.parseBoolean(require(args[i], value));
                default -> usage("unknown argument " + args[i]);
            }
            i++;
        }
        if (port < 0 || port > 65535 || file == null) {
            usage("--port and --file are required");
        }

        if (watchParent) {
            // Started by the gateway with a pipe on stdin: when the gateway goes away, even by
            // `kill -9`, the pipe closes and this server stops too (releasing the port and the
            // store file's lock for the next start).
            Thread watcher = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // nothing is sent; only the end of the stream matters
                    }
                } catch (java.io.IOException e) {
                    // treated as closed
                }
                System.exit(0);
            }, "postern-parent-watch");
            watcher.setDaemon(true);
            watcher.start();
        }

        File dataFile = new File(file).getAbsoluteFile();
        File parent = dataFile.getParentFile();
        if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
            fail("cannot create " + parent);
        }

        // The file only grows while open (freed chunks are reused but rarely given back): rewrite it
        // compactly on every start, before opening. MVStoreTool writes a new file and swaps it in
        // atomically, so a crash during compaction leaves the old file. (MVStore#compactFile on an
        // open store is not used: in H2 2.3 it left later reads failing with "Chunk … not found".)
        if (compact) {
            MVStoreTool.compactCleanUp(dataFile.getPath());
            if (dataFile.isFile()) {
                MVStoreTool.compact(dataFile.getPath(), false);
            }
        }

        MVStore store = new MVStore.Builder()
            .fileName(dataFile.getPath())
            // The background writer stays on (it also rewrites sparse chunks); acknowledged writes do
            // not depend on it: GroupCommitter commits before a write is answered.
            .autoCommitBufferSize(1024)
            // Pages kept deserialized in memory (H2's default is 16 MB): with a larger cache, the
            // in-memory filtering of non-unique fields does not re-read the file on every query.
            .cacheSize(cacheMb)
            .open();
        store.setAutoCommitDelay(100);

        GroupCommitter committer = new GroupCommitter(store);
        DurableH2Backend backend = new DurableH2Backend(store, committer);
        backend.version(PRESENTED_VERSION);
        MongoServer server = new MongoServer(backend);
        server.bind(new InetSocketAddress(host, port), 1, workers);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                committer.stop(); // writes not yet committed get an error, not an acknowledgement
                server.shutdownNow(); // stops accepting, closes clients, closes the backend and the store
            } catch (RuntimeException e) {
                System.err.println("postern-embedded-mongo: error while stopping: " + e);
                Runtime.getRuntime().halt(1);
            }
            // SIGTERM is the normal way to stop: exit 0, not the JVM's 143.
            Runtime.getRuntime().halt(0);
        }, "postern-embedded-mongo-shutdown"));

        InetSocketAddress bound = server.getLocalAddress();
        System.out.println("postern-embedded-mongo ready " + bound.getHostString() + ":" + bound.getPort());
        System.out.flush();
    }

    private static String require(String flag, String value) {
        if (value == null) {
            usage(flag + " needs a value");
        }
        return value;
    }

    private static void usage(String message) {
        fail(message + "\nusage: java -jar postern-embedded-mongo.jar --port PORT --file PATH.mv.db"
            + " [--host 127.0.0.1] [--workers 16] [--compact true|false] [--cache-mb 256] [--exit-when-stdin-closes]");
    }

    static void fail(String message) {
        System.err.println("postern-embedded-mongo: " + message);
        System.exit(2);
    }
}
