// Token limit (GraphQL Armor's max-tokens), before Apollo parses the document: a flood of aliases or
// fields (20,000 `__typename` aliases cost nothing in the cost limit, selecting no objects) is refused
// with GRAPHQL_VALIDATION_FAILED and HTTP 400 before it is parsed into a tree or executed. Express
// middleware on /graphql, after the JSON body parser: Apollo's plugin hooks before parsing cannot
// answer with a client error.
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { ErrorCode } from '../errors';

/** Whether `source` holds more than `maxTokens` tokens (a syntax error is left to Apollo to report). */
export function exceedsTokens(source: string, maxTokens: number): boolean {
  // Every token takes at least one character: a shorter document cannot exceed the limit.
  if (source.length <= maxTokens) return false;
  try {
    new MaxTokensParserWLexer(source, { n: maxTokens, exposeLimits: true }).parseDocument();
    return false;
  } catch (err) {
    return err instanceof GraphQLError && /Token limit/.test(err.message);
  }
}

function queryOf(req: Request): unknown {
  const body = req.body as { query?: unknown } | undefined;
  if (req.method === 'POST') return body && typeof body === 'object' ? body.query : undefined;
  return (req.query as { query?: unknown }).query;
}

export function maxTokensMiddleware(maxTokens: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const query = queryOf(req);
    if (typeof query === 'string' && exceedsTokens(query, maxTokens)) {
      res.status(400).json({
        errors: [
          {
            message: `The query has more than ${maxTokens} tokens (names, punctuation, values): send a smaller query, with fewer fields or aliases.`,
            extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, maxTokens },
          },
        ],
      });
      return;
    }
    next();
  };
}
