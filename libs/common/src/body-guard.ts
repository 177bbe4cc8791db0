import type { NextFunction, Request, Response } from 'express';
import { CommonError } from './domain-error';

/** Deeper than any body the API takes; deeper JSON only serves to overflow the validator's stack. */
export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a text can't be stored (Postgres refuses NUL and unpaired surrogates in text and jsonb), or undefined. */
export function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return undefined;
}

/**
 * Walks a parsed JSON value without recursion: refuses nesting deeper than `maxDepth` and any
 * string or key that Postgres could not store, naming the field, before validation ever sees it.
 */
export function checkJsonValue(value: unknown, where: string, maxDepth = MAX_JSON_DEPTH): void {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: where, depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) throw new CommonError('invalid_text', `${path} ${problem}; send valid UTF-8 text without NUL characters.`, { field: path });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) throw new CommonError('too_deeply_nested', `${path} nests deeper than ${maxDepth} levels; no request needs that.`, { field: path, maxDepth });
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
    } else {
      for (const [k, child] of Object.entries(v)) {
        const problem = textProblem(k);
        if (problem) throw new CommonError('invalid_text', `a field name in ${path} ${problem}.`, { field: path });
        stack.push({ v: child, path: `${path}.${k}`, depth: depth + 1 });
      }
    }
  }
}

/** Refuses request bodies in a content encoding (gzip, deflate, br…): the API takes plain JSON only. */
export function refuseContentEncoding(req: Request, _res: Response, next: NextFunction): void {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'identity' && encoding !== '') {
    return next(new CommonError('unsupported_content_encoding', `Content-Encoding ${encoding} is not accepted; send the JSON body uncompressed.`, { encoding }));
  }
  next();
}

/** Checks the parsed body, the query and the path for text Postgres cannot store and for absurd nesting. */
export function checkRequestText(req: Request, _res: Response, next: NextFunction): void {
  try {
    if (/%00/i.test(req.originalUrl.split('?')[0])) throw new CommonError('invalid_text', 'The path contains a NUL character (%00).', { field: 'path' });
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      throw new CommonError('invalid_text', 'The path is not valid percent-encoded UTF-8.', { field: 'path' });
    }
    const problem = textProblem(path);
    if (problem) throw new CommonError('invalid_text', `The path ${problem}.`, { field: 'path' });
    checkJsonValue(req.query, 'query', 4);
    if (req.body !== undefined) checkJsonValue(req.body, 'body');
    next();
  } catch (err) {
    next(err);
  }
}
