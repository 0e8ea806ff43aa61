import { describe, expect, it } from 'vitest';
import { dependencyUnreachable, redactUrl } from './dependency-errors.js';

describe('dependency errors', () => {
  it('masks the password of a connection URL, and only the password', () => {
    expect(redactUrl('postgres://app:s3cret@db.internal:5432/concierge')).toBe('postgres://app:***@db.internal:5432/concierge');
    expect(redactUrl('redis://:s3cret@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('postgres://app:s3cret@[bad')).not.toContain('s3cret');
  });

  it('names what could not be reached, where and why, in one line', () => {
    const error = dependencyUnreachable('Postgres', 'postgres://app:s3cret@127.0.0.1:1/test', new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(error).toMatchObject({ code: 'DEPENDENCY_UNREACHABLE', message: 'cannot reach Postgres at postgres://app:***@127.0.0.1:1/test: connect ECONNREFUSED 127.0.0.1:1' });
    expect(error.message).not.toContain('\n');
  });
});
