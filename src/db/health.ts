// Whether the database is known to be unreachable, from the driver's own monitoring (heartbeats
// every second, and at once when a connection breaks): the gateway answers 503 while it is, instead
// of making each request wait for a server-selection timeout.
import type { mongo } from 'mongoose';

let unavailableSince: number | null = null;

/** True while the driver sees no server it could write to (no primary / the embedded server down). */
export function databaseUnavailable(): boolean {
  return unavailableSince !== null;
}

/** Follows `client`'s topology: call once per connected client (src/db/connect.ts). */
export function watchDatabase(client: mongo.MongoClient, onChange?: (available: boolean) => void): void {
  unavailableSince = null;
  client.on('topologyDescriptionChanged', (event) => {
    const writable = [...event.newDescription.servers.values()].some((s) => s.isWritable);
    const wasUnavailable = unavailableSince !== null;
    if (writable === !wasUnavailable) return;
    unavailableSince = writable ? null : Date.now();
    onChange?.(writable);
  });
  client.on('topologyClosed', () => {
    unavailableSince = null;
  });
}
