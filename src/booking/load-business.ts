import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConciergeError } from '../shared/errors.js';
import { businessSchema, type Business } from './business.js';
import { DEMO_BUSINESS } from './demo-business.js';

/** The owner's business file cannot be read or does not describe a valid business. */
export class BusinessFileError extends ConciergeError {
  readonly file: string | undefined;
  readonly problems: readonly string[];

  constructor(file: string | undefined, problems: string[], options: { cause?: unknown } = {}) {
    const where = file ? `business file ${file}` : 'business definition';
    super('BUSINESS_FILE_INVALID', `${where} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      details: { file, problems },
      cause: options.cause,
    });
    this.file = file;
    this.problems = problems;
  }
}

/** `services[2].durationMin` from a zod issue path. */
function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(top level)';
}

/** Validate a business object (already parsed from JSON or YAML). */
export function parseBusiness(value: unknown, file?: string): Business {
  const parsed = businessSchema.safeParse(value);
  if (!parsed.success) throw new BusinessFileError(file, formatIssues(parsed.error));
  return parsed.data;
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${fieldName(issue.path)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${fieldName(issue.path)}: ${issue.message}`;
  });
}

/**
 * The owner's business from a JSON or YAML file (chosen by extension; YAML otherwise, which
 * also reads JSON), or the demo business when no path is given.
 */
export async function loadBusiness(path?: string): Promise<Business> {
  if (path === undefined || path === '') return DEMO_BUSINESS;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new BusinessFileError(path, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], { cause: error });
  }
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new BusinessFileError(path, [`is not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`], { cause: error });
  }
  return parseBusiness(raw, path);
}
