// How gpuq signs a webhook, and how its receiver checks it: HMAC-SHA256, keyed with the tenant's
// secret, over `<timestamp>.<body>`, sent as `gpuq-signature: t=<unix seconds>,v1=<hex>`. The
// timestamp lets a receiver refuse replays older than it tolerates.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'gpuq-signature';

export function signWebhook(secret: string, body: string, timestampS: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${digest}`;
}

/** True when `header` signs `body` with `secret`, no older than `toleranceS`. */
export function verifyWebhook(secret: string, body: string, header: string, nowS = Math.floor(Date.now() / 1000), toleranceS = 300): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const timestampS = Number(match[1]);
  if (Math.abs(nowS - timestampS) > toleranceS) return false;
  const expected = Buffer.from(signWebhook(secret, body, timestampS).split('v1=')[1]!, 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}
