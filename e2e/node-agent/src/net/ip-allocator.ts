/**
 * Pod IPs from 127.1.0.0/16. Linux routes all of 127.0.0.0/8 to the loopback interface, so a process can bind
 * any of these addresses without configuring anything, and every pod gets the usual ports to itself.
 *
 * Allocation goes round the range (next-fit) instead of taking the lowest free address, so an address a pod
 * just gave up is the last to be handed out again: clients still holding it reach nothing rather than a
 * stranger.
 */
export class IpAllocator {
  private readonly byOwner = new Map<string, number>();
  private readonly owners = new Map<number, string>();
  private cursor = 0;

  /** `prefix` is the first two octets; host parts x.0 and x.255 are skipped (they look like network/broadcast). */
  constructor(private readonly prefix = '127.1') {}

  /** The owner's address, allocating one on first use. Throws when the range is exhausted. */
  allocate(owner: string): string {
    const held = this.byOwner.get(owner);
    if (held !== undefined) return this.format(held);
    for (let tries = 0; tries < 65_536; tries++) {
      this.cursor = (this.cursor + 1) % 65_536;
      const low = this.cursor & 0xff;
      if (low === 0 || low === 255 || this.owners.has(this.cursor)) continue;
      this.take(owner, this.cursor);
      return this.format(this.cursor);
    }
    throw new Error(`no free pod IP left in ${this.prefix}.0.0/16`);
  }

  /**
   * Takes a specific address for an owner (adopting a pod that already has one). False when the address is
   * outside the range or held by another owner; the caller then allocates a fresh one.
   */
  claim(owner: string, ip: string): boolean {
    const index = this.parse(ip);
    if (index === undefined) return false;
    const holder = this.owners.get(index);
    if (holder !== undefined) return holder === owner;
    this.release(owner);
    this.take(owner, index);
    return true;
  }

  release(owner: string): void {
    const index = this.byOwner.get(owner);
    if (index === undefined) return;
    this.byOwner.delete(owner);
    this.owners.delete(index);
  }

  ipOf(owner: string): string | undefined {
    const index = this.byOwner.get(owner);
    return index === undefined ? undefined : this.format(index);
  }

  get size(): number {
    return this.byOwner.size;
  }

  private take(owner: string, index: number): void {
    this.byOwner.set(owner, index);
    this.owners.set(index, owner);
  }

  private format(index: number): string {
    return `${this.prefix}.${index >> 8}.${index & 0xff}`;
  }

  private parse(ip: string): number | undefined {
    if (!ip.startsWith(`${this.prefix}.`)) return undefined;
    const rest = ip.slice(this.prefix.length + 1).split('.');
    if (rest.length !== 2) return undefined;
    const [high, low] = rest.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
    if (!(high! >= 0 && high! <= 255 && low! >= 1 && low! <= 254)) return undefined;
    return (high! << 8) | low!;
  }
}
