// Credentials for AdminServer commands as ZooKeeper 3.9 takes them: `Authorization: digest user:password`, 401 when
// missing or not authenticated, 403 when not the super user.
import { describe, expect, it } from 'vitest';
import { superUserRefusal } from '../../src/admin/admin-auth.js';
import { generateDigest } from '../../src/tree/acl.js';

const superDigest = generateDigest('super:s3cret');
/** `digest` null: no super user configured. */
const refusal = (header: string | undefined, digest: string | null = superDigest, optional = false) => {
  const r = superUserRefusal(header, digest ?? undefined, { optional });
  return r && [r.status, r.error];
};

describe('superUserRefusal', () => {
  it('lets the super user in with the digest scheme', () => {
    expect(refusal('digest super:s3cret')).toBeUndefined();
  });

  it('401 without credentials, or with credentials it cannot authenticate', () => {
    expect(refusal(undefined)).toEqual([401, 'Auth info is missing for the command']);
    for (const header of ['Basic c3VwZXI6czNjcmV0', 'digest', 'digest super', 'digest  super:s3cret', 'Digest super:s3cret', '']) {
      expect(refusal(header), header).toEqual([401, 'Not authenticated']);
    }
  });

  it('403 for another user, or the wrong password', () => {
    expect(refusal('digest super:wrong')).toEqual([403, 'Not authorized']);
    expect(refusal('digest alice:s3cret')).toEqual([403, 'Not authorized']);
  });

  it('403 with a reason when no super user is configured, whatever the credentials', () => {
    const none = [403, 'Not authorized: this needs the super user, and none is configured (DigestAuthenticationProvider.superDigest)'];
    expect(refusal(undefined, null)).toEqual(none);
    expect(refusal('digest super:s3cret', null)).toEqual(none);
  });

  it('optional credentials: no header passes, a header is checked', () => {
    expect(refusal(undefined, superDigest, true)).toBeUndefined();
    expect(refusal(undefined, null, true)).toBeUndefined();
    expect(refusal('digest super:s3cret', superDigest, true)).toBeUndefined();
    expect(refusal('digest super:wrong', superDigest, true)).toEqual([403, 'Not authorized']);
    expect(refusal('digest super:s3cret', null, true)?.[0]).toBe(403);
  });
});
