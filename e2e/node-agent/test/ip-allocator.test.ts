import { describe, expect, it } from 'vitest';
import { IpAllocator } from '../src/net/ip-allocator.js';

describe('IpAllocator', () => {
  it('gives each owner its own address in 127.1.0.0/16 and the same one when asked again', () => {
    const ips = new IpAllocator();
    const a = ips.allocate('a');
    const b = ips.allocate('b');
    expect(a).toMatch(/^127\.1\.\d+\.\d+$/);
    expect(b).not.toBe(a);
    expect(ips.allocate('a')).toBe(a);
    expect(ips.ipOf('b')).toBe(b);
  });

  it('hands a released address out again only after going round the rest of the range', () => {
    const ips = new IpAllocator();
    const first = ips.allocate('a');
    ips.release('a');
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(ips.allocate(`p${i}`));
    expect(seen.has(first)).toBe(false);
    expect(seen.size).toBe(1000);
  });

  it('never hands out .0 or .255 host parts', () => {
    const ips = new IpAllocator();
    for (let i = 0; i < 600; i++) expect(ips.allocate(`p${i}`)).not.toMatch(/\.(0|255)$/);
  });

  it('adopts an address already in use and refuses it to anyone else', () => {
    const ips = new IpAllocator();
    expect(ips.claim('a', '127.1.0.7')).toBe(true);
    expect(ips.claim('a', '127.1.0.7')).toBe(true);
    expect(ips.claim('b', '127.1.0.7')).toBe(false);
    expect(ips.claim('b', '10.0.0.1')).toBe(false);
    expect(ips.claim('b', '127.1.0.255')).toBe(false);
    for (let i = 0; i < 20; i++) expect(ips.allocate(`p${i}`)).not.toBe('127.1.0.7');
    ips.release('a');
    expect(ips.claim('b', '127.1.0.7')).toBe(true);
  });

  it('says so when the range is exhausted', () => {
    const ips = new IpAllocator();
    for (let i = 0; i < 256 * 254; i++) ips.allocate(`p${i}`);
    expect(() => ips.allocate('one-more')).toThrow(/no free pod IP/);
  });
});
