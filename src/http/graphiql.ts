// The GraphQL explorer page (/graphiql), served entirely by the gateway: React, React-DOM and
// GraphiQL come from this project's pinned npm dependencies and the page's own script from web/,
// so it works on a machine without internet. The Content-Security-Policy lets the page load and
// call nothing but this origin.
//
// The page signs in (login, or a pasted token), then asks the API whether the principal may use the
// explorer: its requests carry `x-postern-client: explorer`, which needs `explorer:use`
// (src/graphql/plugins/explorer.ts). Everything it runs is still governed by each field's permission.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { projectRoot } from '../paths';

/** The folder of an installed package (its `exports` do not list the UMD builds we serve). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name} not found`);
    dir = up;
  }
}

/** Every file the page loads, by the name it is served under. Nothing else is served. */
export function explorerAssets(): Record<string, string> {
  const react = packageDir('react');
  const reactDom = packageDir('react-dom');
  const graphiql = packageDir('graphiql');
  const web = path.join(projectRoot, 'web');
  return {
    'react.js': path.join(react, 'umd', 'react.production.min.js'),
    'react-dom.js': path.join(reactDom, 'umd', 'react-dom.production.min.js'),
    'graphiql.js': path.join(graphiql, 'graphiql.min.js'),
    'graphiql.css': path.join(graphiql, 'graphiql.min.css'),
    'explorer.js': path.join(web, 'explorer.js'),
    'explorer.css': path.join(web, 'explorer.css'),
  };
}

export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL and CodeMirror set style attributes from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function graphiqlPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>Postern — GraphQL explorer</title>
<meta name="viewport" content="width=device-width, initial-scale=1" />
<link rel="icon" href="data:," />
<link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
<link rel="stylesheet" href="/graphiql/assets/explorer.css" />
</head>
<body>
<div id="explorer"><p class="loading">Loading the explorer…</p></div>
<script src="/graphiql/assets/react.js"></script>
<script src="/graphiql/assets/react-dom.js"></script>
<script src="/graphiql/assets/graphiql.js"></script>
<script src="/graphiql/assets/explorer.js"></script>
</body>
</html>`;
}

/** GET /graphiql and GET /graphiql/assets/<name>. */
export function explorerRouter(): express.Router {
  const assets = explorerAssets();
  for (const [name, file] of Object.entries(assets)) {
    if (!existsSync(file)) throw new Error(`explorer asset ${name} is missing: ${file} (run npm install)`);
  }
  const router = express.Router();
  router.get('/graphiql', (_req: Request, res: Response) => {
    res.setHeader('content-security-policy', EXPLORER_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    res.type('html').send(graphiqlPage());
  });
  router.get('/graphiql/assets/:name', (req: Request<{ name: string }>, res: Response, next) => {
    const name = req.params.name;
    const file = Object.prototype.hasOwnProperty.call(assets, name) ? assets[name] : undefined;
    if (!file) {
      next();
      return;
    }
    res.setHeader('x-content-type-options', 'nosniff');
    res.sendFile(file, { maxAge: '1h' });
  });
  return router;
}
