// Authenticating AdminServer commands the way ZooKeeper 3.9 does: the client sends `Authorization: <scheme>
// <credentials>`, for the digest scheme `Authorization: digest user:password`. A command that needs the super user
// is refused with ZooKeeper's statuses: 401 when credentials are missing or cannot be authenticated, 403 when they
// are not the super user's. Corral knows the digest scheme only (ZooKeeper also takes ip and x509 there).
import { authenticate } from '../tree/acl.js';
import { CommandRefusal } from './commands.js';

const SUPER_DIGEST_KEY = 'DigestAuthenticationProvider.superDigest';

/**
 * Why `authorization` does not make the request the super user's, or undefined when it does. With `optional`, a
 * request without the header passes too (a command that takes credentials but does not require them yet); a
 * header that is present is checked all the same.
 */
export function superUserRefusal(
  authorization: string | undefined,
  superDigest: string | undefined,
  { optional = false }: { optional?: boolean } = {},
): CommandRefusal | undefined {
  if (authorization === undefined) {
    if (optional) return undefined;
    if (superDigest === undefined) return noSuperUser();
    return new CommandRefusal(401, 'Auth info is missing for the command');
  }
  if (superDigest === undefined) return noSuperUser();
  // ZooKeeper splits the header at spaces into the scheme and the credentials; anything else does not authenticate.
  const parts = authorization.split(' ');
  if (parts.length !== 2 || parts[0] !== 'digest') return new CommandRefusal(401, 'Not authenticated');
  const ids = authenticate('digest', Buffer.from(parts[1]!, 'utf8'), superDigest);
  if (!ids) return new CommandRefusal(401, 'Not authenticated');
  if (!ids.some((id) => id.scheme === 'super')) return new CommandRefusal(403, 'Not authorized');
  return undefined;
}

const noSuperUser = () =>
  new CommandRefusal(403, `Not authorized: this needs the super user, and none is configured (${SUPER_DIGEST_KEY})`);
