import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { serveSettingSources, serveSettingsSchema } from './serve-settings.js';
import { resolveSettings } from './settings.js';

const cors = (value: string) => resolveSettings(serveSettingsSchema, serveSettingSources, { flags: {}, env: { CONCIERGE_CORS_ORIGIN: value } }).corsOrigin;

describe('--cors-origin', () => {
  it('takes * or origins as browsers send them', () => {
    expect(cors('*')).toBe('*');
    expect(cors('https://Shop.example, http://localhost:3000,https://a.example:443')).toEqual(['https://shop.example', 'http://localhost:3000', 'https://a.example']);
    expect(resolveSettings(serveSettingsSchema, serveSettingSources, { flags: {}, env: {} }).corsOrigin).toBeUndefined();
  });

  it('refuses what no Origin header can be: a path, a slash, another scheme, * among origins', () => {
    for (const bad of ['https://shop.example/', 'https://shop.example/chat', 'ftp://shop.example', 'shop.example', '*,https://shop.example']) {
      expect(() => cors(bad), bad).toThrow(ConfigError);
    }
    expect(() => cors('https://ok.example,https://x.example/p')).toThrow(/--cors-origin \(CONCIERGE_CORS_ORIGIN\): entry 2 is not an origin/);
  });
});
