// What the benchmark ran on, for the report.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import mongoose from 'mongoose';
import path from 'node:path';
import { projectRoot } from '../src/paths';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  database: string;
  loadAverage: number[];
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    return `${pretty ?? os.type()}, ${os.type()} ${os.release()} ${os.arch()}`;
  } catch {
    return `${os.type()} ${os.release()} ${os.arch()}`;
  }
}

/** The embedded default as built from embedded/pom.xml (docs/storage.md). */
export function embeddedStoreName(): string {
  try {
    const pom = readFileSync(path.join(projectRoot, 'embedded', 'pom.xml'), 'utf8');
    const version = /<mongo-java-server\.version>([^<]+)</.exec(pom)?.[1] ?? '?';
    return `mongo-java-server ${version} with its H2 backend (embedded/)`;
  } catch {
    return 'the embedded store';
  }
}

/** The database the benchmark's mongoose connection talks to, as it describes itself. */
export async function describeDatabase(embedded: string | null): Promise<string> {
  const info = (await mongoose.connection.db!.admin().command({ buildInfo: 1 })) as { version?: string; ferretdb?: { version?: string } };
  if (info.ferretdb) return `FerretDB ${info.ferretdb.version ?? '?'} (embedded default, reports MongoDB ${info.version})`;
  return embedded ? `${embedded} (embedded default, reports MongoDB ${info.version})` : `MongoDB ${info.version} (MONGODB_URI)`;
}

export function machine(database: string): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    node: process.version,
    database,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
