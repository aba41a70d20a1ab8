package dev.postern.embedded;

import java.util.Locale;
import java.util.Set;

import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/** The H2 backend, answering a write only once it is committed (GroupCommitter). */
final class DurableH2Backend extends H2Backend {

    /** Commands that change nothing; every other command waits for a commit before its reply. */
    private static final Set<String> READ_ONLY = Set.of(
        "find", "getmore", "aggregate", "count", "distinct", "ismaster", "hello", "ping", "buildinfo",
        "listcollections", "listindexes", "listdatabases", "killcursors", "endsessions", "serverstatus",
        "dbstats", "collstats", "whatsmyuri", "getlasterror", "getparameter", "getlog", "hostinfo",
        "getcmdlineopts", "connectionstatus", "getfreemonitoringstatus");

    private final GroupCommitter committer;

    DurableH2Backend(MVStore store, GroupCommitter committer) {
        super(store);
        this.committer = committer;
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        String name = command.toLowerCase(Locale.ROOT);
        if (name.equals("hello")) {
            // Newer drivers may ask `hello`; answer as the legacy handshake does, with its new field name.
            Document response = super.handleCommand(channel, databaseName, "ismaster", query);
            response.put("isWritablePrimary", Boolean.TRUE);
            return response;
        }
        if (READ_ONLY.contains(name)) {
            return super.handleCommand(channel, databaseName, command, query);
        }
        try {
            return super.handleCommand(channel, databaseName, command, query);
        } finally {
            // Also after an error: part of a write (an unordered insertMany) may have been applied.
            committer.awaitDurable();
        }
    }
}
