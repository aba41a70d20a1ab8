// Counts the database commands a piece of work issues (the gateway runs with `monitorCommands`).
import mongoose from 'mongoose';

const HANDSHAKE = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'saslStart', 'saslContinue', 'buildInfo']);

/** Runs `fn` and returns the database commands it started (handshakes and pings excluded), as `name:collection`. */
export async function commandsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const client = mongoose.connection.getClient();
  const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
    if (!HANDSHAKE.has(e.commandName)) seen.push(`${e.commandName}:${String(e.command[e.commandName])}`);
  };
  client.on('commandStarted', listener);
  try {
    await fn();
    // Let anything the request fired without awaiting show up too.
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    client.off('commandStarted', listener);
  }
  return seen;
}
