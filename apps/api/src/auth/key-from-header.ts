// The API key in an Authorization header: `Bearer <key>`, or HTTP Basic, which browsers (the queue
// board) and cuOpt's client (a `user:key@host` URL, or ~/.netrc) send. In Basic the key is the
// password; a `key@host` URL leaves the password empty, and then the key is the user name.
export function keyFromAuthorization(header: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  return password !== '' ? password : user !== '' ? user : undefined;
}
