import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signHookHmac, verifyHookHmac } from '../../../../refresh/webhook/hmac';

const secret = '}XsOUY&nr#),>~Jqwx|q[9Q$$4Idi:e2dq~Q(eM|_.Pv|Fz)L6%dyI;q$!j0+8';
const body = Buffer.from('{"event":"bettor.created","sender":"SampleApp","data":{"id":"BTTR_1","internalId":"12345"}}');

describe('Hook-HMAC', () => {
  it('accepts the base64 HMAC-SHA256 of the raw body', () => {
    const sig = crypto.createHmac('sha256', secret).update(body).digest('base64');
    expect(signHookHmac(secret, body)).toBe(sig);
    expect(verifyHookHmac(secret, body, sig)).toBe(true);
  });
  it('accepts lowercase hex too', () => {
    expect(verifyHookHmac(secret, body, crypto.createHmac('sha256', secret).update(body).digest('hex'))).toBe(true);
  });
  it('refuses a signature of another body, another secret, a truncated or missing one', () => {
    const sig = signHookHmac(secret, body);
    expect(verifyHookHmac(secret, Buffer.from(body.toString() + ' '), sig)).toBe(false);
    expect(verifyHookHmac('other', body, sig)).toBe(false);
    expect(verifyHookHmac(secret, body, sig.slice(0, 20))).toBe(false);
    expect(verifyHookHmac(secret, body, undefined)).toBe(false);
    expect(verifyHookHmac(secret, body, '')).toBe(false);
  });
});
