// Runs test/sso/oidc-idp.mjs (a real oidc-provider on 127.0.0.1) and acts as a person's browser
// against it and the gateway: cookies per host, redirects followed one by one, the provider's sign-in
// and consent forms filled in and submitted.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export type OidcMode = 'good' | 'foreignKey' | 'none' | 'hs256';

export interface OidcProvider {
  issuer: string;
  /** Makes the token endpoint forge its ID tokens (test/sso/oidc-idp.mjs), or stop ('good'). */
  setMode(mode: OidcMode): Promise<void>;
  stop(): Promise<void>;
}

export async function startOidcProvider(clientId: string, clientSecret: string, redirectUri: string): Promise<OidcProvider> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'oidc-idp.mjs'), clientId, clientSecret, redirectUri], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const issuer = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { issuer: string }).issuer));
    child.once('exit', (code) => reject(new Error(`OpenID provider exited (${code}): ${stderr}`)));
  });
  return {
    issuer,
    setMode: async (mode) => {
      const res = await fetch(`${issuer}/__mode?m=${mode}`, { method: 'POST' });
      if ((await res.text()) !== mode) throw new Error('the provider did not take the mode');
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A browser's cookie jar (by host) and redirect-following, enough for an OIDC sign-in. */
export class Browser {
  private readonly cookies = new Map<string, Map<string, string>>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const jar = this.cookies.get(u.host) ?? new Map<string, string>();
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) } });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(set) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(u.host, jar);
    return res;
  }

  /**
   * Starts at `url` and follows redirects; on the provider's sign-in page types `login` and submits,
   * on its consent page clicks Continue; stops at the first response that is neither (the gateway's).
   */
  async signIn(url: string, login: string): Promise<{ status: number; body: any; text: string; url: string }> {
    let next = url;
    let init: RequestInit = {};
    for (let hop = 0; hop < 20; hop++) {
      const res = await this.fetch(next, init);
      init = {};
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        next = new URL(location, next).toString();
        continue;
      }
      const text = await res.text();
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post">\s*<input type="hidden" name="prompt" value="(login|consent)"/.exec(text);
      if (res.status === 200 && form) {
        const fields = new URLSearchParams({ prompt: form[2]! });
        if (form[2] === 'login') {
          fields.set('login', login);
          fields.set('password', 'any');
        }
        next = new URL(form[1]!.replace(/&amp;/g, '&'), next).toString();
        init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() };
        continue;
      }
      let body: any;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      return { status: res.status, body, text, url: next };
    }
    throw new Error('too many redirects');
  }
}
