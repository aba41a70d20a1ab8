// What `npm start` tells a person, in plain lines on stderr (stdout carries the JSON log): what is
// being done while anything slow runs (the embedded database's start, the demo seed), then one line
// with the explorer's URL and how long the start took, and the demo logins when there are any.
export interface StartupProgress {
  /** The step now under way; a line every few seconds says it is still running. */
  step(what: string): void;
  /** The ready line. */
  ready(url: string, demoLogins: string | null): void;
  /** Stops the ticker without a ready line (the start failed). */
  stop(): void;
}

export function startupProgress(out: NodeJS.WritableStream = process.stderr, tickMs = 2_000): StartupProgress {
  const started = Date.now();
  let current = '';
  let since = started;
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const ticker = setInterval(() => {
    if (current && Date.now() - since >= tickMs) out.write(`  … still ${current} (${seconds(Date.now() - since)} s)\n`);
  }, tickMs);
  ticker.unref();
  return {
    step(what) {
      current = what;
      since = Date.now();
      out.write(`Postern: ${what}…\n`);
    },
    ready(url, demoLogins) {
      clearInterval(ticker);
      out.write(`Postern is ready in ${seconds(Date.now() - started)} s: open ${url}/graphiql (API: ${url}/graphql)\n`);
      if (demoLogins) out.write(`Demo logins:${demoLogins}`);
    },
    stop() {
      clearInterval(ticker);
    },
  };
}
