import crypto from 'node:crypto';

/**
 * Thorn signs the raw body: Hook-HMAC = base64(HMAC-SHA256(secret, body)). Some senders use
 * lowercase hex; both are accepted. Comparison is constant-time over the decoded digest.
 */
export function verifyHookHmac(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest();
  const value = header.trim();
  const provided = /^[0-9a-f]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (provided.length !== expected.length) return false;
  return crypto.timingSafeEqual(provided, expected);
}

export function signHookHmac(secret: string, rawBody: Buffer | string): string {
  return crypto.createHmac('sha256', secret).update(rawBody).digest('base64');
}
