import { readFileSync } from 'node:fs';
import type { z } from 'zod';

/**
 * JSON examples copied from a provider's reference doc. `tested` records which were loaded, so
 * a guard test can fail when a fixture is added without a test.
 */
export function jsonFixtures(provider: string) {
  const dir = new URL(`../fixtures/${provider}/`, import.meta.url);
  const tested = new Set<string>();
  return {
    dir,
    tested,
    fixture(name: string): any {
      tested.add(name);
      return JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8'));
    },
  };
}

/** "path: message" for every issue, so assertions read like the error a caller sees. */
export function issues(schema: z.ZodType, input: unknown): string[] {
  const r = schema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
