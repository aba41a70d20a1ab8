// Imported first by src/main.ts: starts tracing before anything it instruments is loaded.
import { startTracing } from './tracing';

export const tracing = startTracing();
