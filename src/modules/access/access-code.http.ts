// GET /access/document.schema.json: the JSON Schema of the access document (docs/access-as-code.md),
// public like any published schema: it describes a format, not an account.
import type { RequestHandler } from 'express';
import { accessDocumentJsonSchema } from './access-document';

export function accessDocumentSchemaHandler(): RequestHandler {
  const body = JSON.stringify(accessDocumentJsonSchema(), null, 2);
  return (_req, res) => {
    res.type('application/schema+json').send(body);
  };
}
