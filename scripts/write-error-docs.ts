// `npm run docs:errors`: regenerate docs/errors.md from the error catalogue.
import { writeFileSync } from 'node:fs';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../src/shared/error-docs.js';

writeFileSync(new URL(`../${ERROR_DOCS_PATH}`, import.meta.url), renderErrorDocs());
process.stdout.write(`wrote ${ERROR_DOCS_PATH}\n`);
